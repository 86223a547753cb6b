import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiContract } from '../contract';
import { ids, parseInput } from '../errors';
import { MAX_BAN_SECONDS } from '../realtime/connection-limiter.service';
import { UserDisconnects } from '../realtime/user-disconnects';

/** The reason `system:disconnect` carries when an operator disconnects a user. */
const ADMIN_DISCONNECT_REASON = 'admin_disconnect';
/** Longest reconnect hint an operator may give (one day). */
const MAX_RECONNECT_IN_MS = 24 * 3600_000;
const DEFAULT_RECONNECT_IN_MS = 5000;

/** `POST /api/admin/disconnect`. */
const adminDisconnectInput = z.object({
  userId: ids.userId,
  reconnectInMs: z.number().int().min(0).max(MAX_RECONNECT_IN_MS).default(DEFAULT_RECONNECT_IN_MS),
  banSeconds: z.number().int().min(0).max(MAX_BAN_SECONDS).optional().describe('Refuse the user’s reconnects on every instance for this long'),
});

const disconnectOutcomeDto = z.object({
  userId: z.string(),
  sockets: z.number().int().describe('Sockets closed, over every namespace and every instance that answered'),
  instances: z.number().int().describe('Instances that took part (this one included)'),
  complete: z.boolean().describe('false when some instance did not answer in time (its sockets may still be open)'),
  bannedSeconds: z.number().int().optional().describe('When banSeconds was given: reconnects are refused for this long'),
});

/** The operator's "disconnect this user": every namespace, every instance, optionally with a ban. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/admin')
export class AdminDisconnectController {
  constructor(private readonly disconnects: UserDisconnects) {}

  @Post('disconnect')
  @HttpCode(200)
  @Roles('admin')
  @ApiContract({
    summary: "Sends system:disconnect to all of a user's sockets (every namespace, every instance) and closes them",
    roles: ['admin'],
    body: ['AdminDisconnectBody', adminDisconnectInput],
    response: ['DisconnectOutcome', disconnectOutcomeDto],
  })
  async disconnect(@Body() body: unknown, @CurrentUser() admin: Principal) {
    const { userId, reconnectInMs, banSeconds } = parseInput(adminDisconnectInput, body, 'body');
    return this.disconnects.disconnectEverywhere(userId, { reason: ADMIN_DISCONNECT_REASON, reconnectInMs }, { banSeconds, by: `admin ${admin.userId}` });
  }
}
