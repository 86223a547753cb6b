import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiContract } from '../../core/contract';
import { CurrentUser, Roles, type Principal } from '../../core/auth';
import { parseInput } from '../../core/errors';
import { ConnectionLimiter } from '../../core/realtime';
import { adminDisconnectInput, kickOutcomeDto } from './presence.dto';
import { PresenceService } from './presence.service';

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
    body: ['AdminDisconnectBody', adminDisconnectInput],
    response: ['DisconnectOutcome', kickOutcomeDto],
  })
  async disconnect(@Body() body: unknown, @CurrentUser() admin: Principal) {
    const { userId, reconnectInMs, banSeconds } = parseInput(adminDisconnectInput, body, 'body');
    // Banned first, so a client reconnecting the moment it is kicked is already refused.
    if (banSeconds) await this.connections.ban(userId, banSeconds);
    const outcome = await this.presence.kick(userId, reconnectInMs, admin);
    return banSeconds ? { ...outcome, bannedSeconds: banSeconds } : outcome;
  }
}
