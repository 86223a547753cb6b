import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser } from '../auth/auth.decorators';
import { ApiContract } from '../contract/openapi';
import type { Principal } from '../auth/principal';
import { DomainError, ids, parseInput } from '../errors';
import { ChannelRegistry } from './channel-registry';
import { EventLogService } from './event-log.service';
import { ReplayBudget } from './replay-budget.service';
import { isRevocation } from './revocation';
import { isValidRoomName } from './rooms';

const historyQuery = z.object({
  channel: z.string().refine(isValidRoomName, 'must be a channel name like country:42'),
  since: ids.offset.optional(),
  /** Paging backwards (the operator console's "older events"): the page just before this offset. */
  before: ids.offset.optional(),
  limit: ids.limit(500, 100),
});

const loggedEvent = z.object({
  offset: z.string(),
  event: z.string().describe('The event name, as sent on the socket'),
  payload: z.record(z.string(), z.unknown()).describe('The payload, as sent on the socket (with offset)'),
  createdAt: z.string(),
});
const historyPage = z.union([
  z.object({
    channel: z.string(),
    events: z.array(loggedEvent),
    nextSince: z.string().nullable().describe('Pass as since for the next page'),
    hasMore: z.boolean(),
  }),
  z.object({
    channel: z.string(),
    events: z.array(loggedEvent).max(0),
    resync: z.object({ channel: z.string(), reason: z.string().describe('history_expired: since is older than retention') }),
  }),
]);

/** Pages the replay log over HTTP, authorised as a subscription to the channel would be. */
@ApiTags('history')
@ApiBearerAuth()
@Controller('api/history')
export class HistoryController {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly log: EventLogService,
    private readonly budget: ReplayBudget,
  ) {}

  @Get()
  @ApiContract({
    summary: 'Events of a channel after an offset (or the latest when no offset)',
    access: 'Authorised as a subscription to the channel would be.',
    query: historyQuery,
    response: ['HistoryPage', historyPage],
  })
  async history(@Query() query: unknown, @CurrentUser() user: Principal) {
    const { channel, since, before, limit } = parseInput(historyQuery, query, 'query');
    const access = this.registry.find(channel);
    if (!access) throw DomainError.badRequest(`channel: unknown channel ${channel}`);
    if (!(await access.canRead(user, channel))) throw DomainError.forbidden(`not allowed to read ${channel}`);
    // The same per-user budget as socket replays (429 with retryInMs when used up); a page
    // is shortened to what is left of it, and hasMore tells the client to come back.
    const allowed = Math.min(limit, this.budget.remaining(user.userId));

    if (since !== undefined && BigInt(since) < (await this.log.prunedThrough())) {
      return { channel, events: [], resync: { channel, reason: 'history_expired' } };
    }
    const events =
      since === undefined
        ? (await this.log.readBefore(access.namespace, channel, before, allowed)).reverse()
        : await this.log.readAfter(access.namespace, [channel], since, allowed);
    this.budget.charge(user.userId, events.length);
    return {
      channel,
      // Revocations are control records in the log, not events of the channel.
      events: events.filter((e) => !isRevocation(e.event)).map((e) => ({ offset: e.offset, event: e.event, payload: { ...e.payload, offset: e.offset }, createdAt: e.createdAt.toISOString() })),
      nextSince: events.length ? events[events.length - 1].offset : (since ?? null),
      hasMore: events.length === allowed,
    };
  }
}
