import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiContract } from '../../core/contract';
import { CurrentUser, Roles, type Principal } from '../../core/auth';
import { parseInput } from '../../core/errors';
import { UserDisconnects } from '../../core/realtime';
import { adminDisconnectInput, kickOutcomeDto } from './presence.dto';
import { ADMIN_DISCONNECT_REASON } from './presence.events';

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
    body: ['AdminDisconnectBody', adminDisconnectInput],
    response: ['DisconnectOutcome', kickOutcomeDto],
  })
  async disconnect(@Body() body: unknown, @CurrentUser() admin: Principal) {
    const { userId, reconnectInMs, banSeconds } = parseInput(adminDisconnectInput, body, 'body');
    return this.disconnects.disconnectEverywhere(userId, { reason: ADMIN_DISCONNECT_REASON, reconnectInMs }, { banSeconds, by: `admin ${admin.userId}` });
  }
}
