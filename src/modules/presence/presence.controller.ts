import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiContract } from '../../core/contract';
import { CurrentUser, type Principal } from '../../core/auth';
import { ids, parseInput } from '../../core/errors';
import { MAX_QUERY_USER_IDS, presenceQueryInput, presenceQueryResultDto, visiblePresenceDto } from './presence.dto';
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
    response: ['Presence', visiblePresenceDto],
  })
  async one(@Param('userId') userId: string, @CurrentUser() viewer: Principal) {
    const [snapshot] = await this.presence.snapshots([parseInput(ids.userId, userId, 'userId')], viewer);
    return snapshot;
  }

  @Post('query')
  @HttpCode(200)
  @ApiContract({
    summary: `Presence of up to ${MAX_QUERY_USER_IDS} users, in the order asked (duplicates once); same shape rules as GET /api/presence/:userId`,
    body: ['PresenceQueryBody', presenceQueryInput],
    response: ['PresenceSnapshots', presenceQueryResultDto],
  })
  async query(@Body() body: unknown, @CurrentUser() viewer: Principal) {
    return { snapshots: await this.presence.snapshots(parseInput(presenceQueryInput, body, 'body').userIds, viewer) };
  }
}
