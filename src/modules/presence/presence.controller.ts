import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiContract } from '../../core/contract';
import { CurrentUser, Roles, type Principal } from '../../core/auth';
import { ids, parseInput } from '../../core/errors';
import { UserDisconnects } from '../../core/realtime';
import { adminDisconnectDto, kickOutcome, MAX_QUERY_USER_IDS, presenceQueryDto, presenceSnapshots, presenceView } from './dto/presence.dto';
import { ADMIN_DISCONNECT_REASON } from './presence.events';
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
  constructor(private readonly disconnects: UserDisconnects) {}

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
    return this.disconnects.disconnectEverywhere(userId, { reason: ADMIN_DISCONNECT_REASON, reconnectInMs }, { banSeconds, by: `admin ${admin.userId}` });
  }
}
