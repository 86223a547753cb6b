import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Principal } from '../../core/auth';
import { DomainError } from '../../core/errors';
import { pageRequest, toPage } from '../../core/paging';
import { USER_NOTIFIER, type UserNotifier } from '../../core/ports';
import {
  BATCH_MAX_ITEMS,
  batchResponse,
  GroupCommit,
  parseBatchItem,
  UnitOfWork,
  type BatchResponse,
  ownMember,
  type GroupMember,
  type GroupOutcome,
  type SqlTransaction,
} from '../../core/realtime';
import type { IntelligenceItem } from '../../generated/prisma/client';
import { CountryRepository } from './country.repository';
import { IntelligenceItemRepository } from './intelligence-item.repository';
import {
  toCountryDto,
  toCountryWithBaselineDto,
  toItemDto,
  toItemEventData,
  type AchievementDto,
  type CountryDto,
  type CountryWithBaselineDto,
  createUpdateInput,
  type CreateUpdateInput,
  type ItemPageDto,
  type ListItemsInput,
  type PutCountryInput,
  type UnlockAchievementInput,
  type UpdateBatchItemResult,
  type UpdateResultDto,
} from './intelligence.dto';
import { isIntelligenceChannel } from './intelligence.events';
import { IntelligencePublisher } from './intelligence.publisher';

/** An update as stored: its item, whether this call created it, and its event's offset when it did. */
interface StoredUpdate {
  item: IntelligenceItem;
  created: boolean;
  offset?: string;
}

/**
 * Countries, intelligence items and achievements. Every new item is announced as
 * `intelligence:update` with an idempotency key derived from the item id, so a retried
 * request (same dedupe key) finishes a half-done one without announcing anything twice.
 */
@Injectable()
export class IntelligenceService {
  private readonly logger = new Logger(IntelligenceService.name);
  private warnedNoNotifier = false;
  /** Concurrent single updates share one transaction (POST /api/intelligence/updates under load). */
  private readonly singleUpdates = new GroupCommit<CreateUpdateInput, StoredUpdate>((members) => this.storeUpdates(members), BATCH_MAX_ITEMS);

  constructor(
    private readonly countries: CountryRepository,
    private readonly items: IntelligenceItemRepository,
    private readonly publisher: IntelligencePublisher,
    private readonly uow: UnitOfWork,
    @Optional() @Inject(USER_NOTIFIER) private readonly notifier?: UserNotifier,
  ) {}

  async putCountry(id: string, body: PutCountryInput): Promise<{ country: CountryDto; created: boolean }> {
    const { country, created } = await this.countries.upsert(id, body);
    return { country: toCountryDto(country), created };
  }

  async getCountry(id: string): Promise<CountryWithBaselineDto> {
    const found = await this.countries.findById(id);
    if (!found) throw DomainError.notFound(`country ${id} not found`);
    return toCountryWithBaselineDto(found);
  }

  /**
   * One update, stored with its event. Concurrent calls are written together in one
   * transaction (group commit, see storeUpdates): each still gets its own outcome.
   */
  async createUpdate(body: CreateUpdateInput): Promise<UpdateResultDto> {
    const { item, created, offset } = await this.singleUpdates.submit(body);
    return { item: toItemDto(item), offset: offset ?? null, duplicate: !created };
  }

  async listItems(query: ListItemsInput): Promise<ItemPageDto> {
    const rows = await this.items.list({ ...query, limit: pageRequest(query.limit) });
    return toPage(rows, query.limit, toItemDto, (row) => row.id.toString());
  }

  /**
   * Whether a user may read an intelligence channel: every channel of the namespace is open
   * to any authenticated user. The gateway's subscribe and GET /api/history both ask this.
   */
  canRead(_user: Principal, channel: string): boolean {
    return isIntelligenceChannel(channel);
  }

  /**
   * Records the unlock once per (user, country, key): an `achievement` item, its
   * `intelligence:update` event and a notification for the user. Retrying is safe: each
   * step is keyed, so a retry completes whatever a failed attempt left undone.
   */
  async unlockAchievement(body: UnlockAchievementInput): Promise<AchievementDto> {
    const found = await this.countries.findById(body.countryId);
    if (!found) throw DomainError.notFound(`country ${body.countryId} not found`);
    const { userId, countryId, achievementKey } = body;
    const dedupeKey = `achievement:${userId}:${countryId}:${achievementKey}`;
    const title = `Achievement unlocked: ${achievementKey}`;
    // The achievement item and its event commit together; a retry stores and sends nothing new.
    const { item, created, staged } = await this.uow.runSql(async (tx) => {
      const stored = await this.items.create(
        tx,
        countryId,
        { category: 'achievement', priority: 'medium', title, description: `${found.country.name} unlocked ${achievementKey}`, data: { userId, achievementKey } },
        dedupeKey,
      );
      return { ...stored, staged: stored.created ? this.stageItemUpdate(tx, stored.item, { userId, achievementKey }) : undefined };
    });
    const sent = await staged?.published;
    const notified = await this.notify(userId, {
      title,
      body: `${found.country.name} unlocked ${achievementKey}`,
      data: { countryId, achievementKey, itemId: item.id.toString() },
      dedupeKey,
    });
    return {
      achievement: { userId, countryId, achievementKey, unlockedAt: item.createdAt.toISOString() },
      item: toItemDto(item),
      offset: sent?.offset ?? null,
      duplicate: !created,
      notified,
    };
  }

  /**
   * Batch publish: each item as `createUpdate` would take it, all accepted ones stored in ONE
   * transaction and announced in item order with consecutive offsets. An item that fails
   * validation or names an unknown country is reported as rejected and the others still go
   * in; an item whose dedupe key was stored before (or earlier in the same batch) is a
   * duplicate and is not announced.
   */
  async createUpdates(items: unknown[]): Promise<BatchResponse<UpdateBatchItemResult>> {
    const results: UpdateBatchItemResult[] = new Array(items.length);
    const valid: Array<{ index: number; body: CreateUpdateInput }> = [];
    items.forEach((input, index) => {
      const parsed = parseBatchItem(createUpdateInput, input);
      if (parsed.ok) valid.push({ index, body: parsed.value });
      else results[index] = { index, status: 'rejected', code: parsed.code, message: parsed.message };
    });
    const outcomes = await this.storeUpdates(valid.map((v) => ownMember(v.body)));
    outcomes.forEach((outcome, i) => {
      const { index } = valid[i];
      if (!outcome.ok) {
        const { code, message } = outcome.error as DomainError;
        results[index] = { index, status: 'rejected', code, message };
        return;
      }
      const id = outcome.value.item.id.toString();
      const { offset } = outcome.value;
      results[index] = offset ? { index, status: 'created', id, offset } : { index, status: 'duplicate', id };
    });
    return batchResponse(results);
  }

  /**
   * Stores validated updates in ONE transaction (one statement for the items, one for their
   * events) and reports an outcome per update, in order: the item, whether this call created
   * it and its event's offset, or a not-found error for an unknown country. A dedupe key
   * stored before, or repeated within the call, yields the first item and no event.
   */
  private async storeUpdates(members: Array<GroupMember<CreateUpdateInput>>): Promise<Array<GroupOutcome<StoredUpdate>>> {
    const bodies = members.map((m) => m.input);
    const stored = await this.uow.runSql(async (tx) => {
      const writes = await this.items.createMany(
        tx,
        bodies.map(({ countryId, dedupeKey, ...fields }) => ({ countryId, item: fields, dedupeKey })),
      );
      // Staged in order: one event-log write, consecutive offsets, emitted in this order after the commit.
      // Each event staged in its own request's context, so it carries that request's id.
      return writes.map((write, index) =>
        write.kind === 'item' && write.created ? { write, staged: members[index].within(() => this.stageItemUpdate(tx, write.item)) } : { write },
      );
    });
    const sent = await Promise.all(stored.map((s) => s.staged?.published ?? Promise.resolve(undefined)));
    // Forward, so that a repeat finds the outcome of the earlier update it repeats (`of` < its index).
    const outcomes: Array<GroupOutcome<StoredUpdate>> = [];
    stored.forEach(({ write }, index) => {
      if (write.kind === 'unknownCountry') outcomes.push({ ok: false, error: DomainError.notFound(`country ${bodies[index].countryId} not found`) });
      else if (write.kind === 'item') outcomes.push({ ok: true, value: { item: write.item, created: write.created, offset: sent[index]?.offset } });
      else outcomes.push({ ok: true, value: { item: (outcomes[write.of] as { ok: true; value: StoredUpdate }).value.item, created: false } });
    });
    return outcomes;
  }

  private async notify(userId: string, n: { title: string; body: string; data: Record<string, unknown>; dedupeKey: string }): Promise<boolean> {
    if (!this.notifier) {
      if (!this.warnedNoNotifier) {
        this.warnedNoNotifier = true;
        this.logger.warn('no USER_NOTIFIER is provided (Notifications module absent): achievement unlocks are not notified');
      }
      return false;
    }
    try {
      await this.notifier.notify({ userIds: [userId], eventKey: 'achievement.unlocked', category: 'achievement', priority: 'medium', ...n });
      return true;
    } catch (err) {
      this.logger.error(`notifying ${userId} of an achievement failed: ${(err as Error)?.message ?? String(err)}`);
      // The unlock is stored and announced; a retry of the same request only re-attempts the notification.
      throw new DomainError('unavailable', 'the achievement was recorded but the notification could not be created; retry the request');
    }
  }

  /**
   * Stages the `intelligence:update` announcing an item this transaction created, in that
   * transaction: the item and its event commit together or not at all, and a retry with the
   * same dedupe key finds the item and stages nothing.
   */
  private stageItemUpdate(tx: SqlTransaction, item: IntelligenceItem, extraData?: Record<string, unknown>) {
    return this.publisher.itemUpdateIn(tx, {
      category: item.category,
      countryId: item.countryId,
      priority: item.priority,
      data: extraData ? { ...toItemEventData(item), ...extraData } : toItemEventData(item),
    });
  }
}
