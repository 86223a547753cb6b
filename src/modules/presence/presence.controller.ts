import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, type Principal } from '../../core/auth';
import { ids, parseInput } from '../../core/errors';
import { ConnectionLimiter } from '../../core/realtime';
import { adminDisconnectDto, MAX_QUERY_USER_IDS, presenceQueryDto } from './dto/presence.dto';
import { PresenceService } from './presence.service';

@ApiTags('presence')
@ApiBearerAuth()
@Controller('api/presence')
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get(':userId')
  @ApiOperation({
    summary: "A user's presence: the full PresenceSnapshot for the user themselves and admins, {userId, isOnline, lastSeen} for anyone else",
  })
  async one(@Param('userId') userId: string, @CurrentUser() viewer: Principal) {
    const [snapshot] = await this.presence.snapshots([parseInput(ids.userId, userId, 'userId')], viewer);
    return snapshot;
  }

  @Post('query')
  @HttpCode(200)
  @ApiOperation({
    summary: `Presence of up to ${MAX_QUERY_USER_IDS} users, in the order asked (duplicates once); same shape rules as GET /api/presence/:userId`,
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['userIds'],
      properties: { userIds: { type: 'array', items: { type: 'string' }, maxItems: MAX_QUERY_USER_IDS } },
    },
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
  @ApiOperation({
    summary: "Sends system:disconnect to all of a user's sockets (every namespace, every instance) and closes them",
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['userId'],
      properties: {
        userId: { type: 'string' },
        reconnectInMs: { type: 'integer', minimum: 0 },
        banSeconds: { type: 'integer', minimum: 0, description: 'refuse reconnects on every instance for this long' },
      },
    },
  })
  async disconnect(@Body() body: unknown, @CurrentUser() admin: Principal) {
    const { userId, reconnectInMs, banSeconds } = parseInput(adminDisconnectDto, body, 'body');
    // Banned first, so a client reconnecting the moment it is kicked is already refused.
    if (banSeconds) await this.connections.ban(userId, banSeconds);
    const outcome = await this.presence.kick(userId, reconnectInMs, admin);
    return banSeconds ? { ...outcome, bannedSeconds: banSeconds } : outcome;
  }
}
