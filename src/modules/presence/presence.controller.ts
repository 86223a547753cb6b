import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiContract } from '../../core/contract';
import { CurrentUser, Roles, type Principal } from '../../core/auth';
import { ids, parseInput } from '../../core/errors';
import { ConnectionLimiter } from '../../core/realtime';
import { adminDisconnectDto, kickOutcome, MAX_QUERY_USER_IDS, presenceQueryDto, presenceSnapshots, presenceView } from './presence.dto';
import { PresenceService } from './presence.service';

@ApiTags('presence')
@ApiBearerAuth()
@Controller('api/presence')
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get(':userId')
  @ApiContract({
    summary: "A user's presence: the full snapshot for the user themselves and admins, {userId, isOnline, lastSeen} for anyone else",
    params: { userId: ids.userId },
    response: ['Presence', presenceView],
  })
  async one(@Param('userId') userId: string, @CurrentUser() viewer: Principal) {
    const [snapshot] = await this.presence.snapshots([parseInput(ids.userId, userId, 'userId')], viewer);
    return snapshot;
  }

  @Post('query')
  @HttpCode(200)
  @ApiContract({
    summary: `Presence of up to ${MAX_QUERY_USER_IDS} users, in the order asked (duplicates once); same shape rules as GET /api/presence/:userId`,
    body: ['PresenceQueryBody', presenceQueryDto],
    response: ['PresenceSnapshots', presenceSnapshots],
  })
  async query(@Body() body: unknown, @CurrentUser() viewer: Principal) {
    return { snapshots: await this.presence.snapshots(parseInput(presenceQueryDto, body, 'body').userIds, viewer) };
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/admin')
export class PresenceAdminController {
  constructor(
    private readonly presence: PresenceService,
    private readonly connections: ConnectionLimiter,
  ) {}

  @Post('disconnect')
  @HttpCode(200)
  @Roles('admin')
  @ApiContract({
    summary: "Sends system:disconnect to all of a user's sockets (every namespace, every instance) and closes them",
    roles: ['admin'],
    body: ['AdminDisconnectBody', adminDisconnectDto],
    response: ['DisconnectOutcome', kickOutcome],
  })
  async disconnect(@Body() body: unknown, @CurrentUser() admin: Principal) {
    const { userId, reconnectInMs, banSeconds } = parseInput(adminDisconnectDto, body, 'body');
    // Banned first, so a client reconnecting the moment it is kicked is already refused.
    if (banSeconds) await this.connections.ban(userId, banSeconds);
    const outcome = await this.presence.kick(userId, reconnectInMs, admin);
    return banSeconds ? { ...outcome, bannedSeconds: banSeconds } : outcome;
  }
}
