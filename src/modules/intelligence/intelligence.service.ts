import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Principal } from '../../core/auth';
import { DomainError } from '../../core/errors';
import { pageRequest, toPage } from '../../core/paging';
import { USER_NOTIFIER, type UserNotifier } from '../../core/ports';
import { batchResponse, parseBatchItem, UnitOfWork, type BatchResponse, type SqlTransaction } from '../../core/realtime';
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

/**
 * Countries, intelligence items and achievements. Every new item is announced as
 * `intelligence:update` with an idempotency key derived from the item id, so a retried
 * request (same dedupe key) finishes a half-done one without announcing anything twice.
 */
@Injectable()
export class IntelligenceService {
  private readonly logger = new Logger(IntelligenceService.name);
  private warnedNoNotifier = false;

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

  async createUpdate(body: CreateUpdateInput): Promise<UpdateResultDto> {
    // No existence check first: the item's foreign key is the check (one query fewer per update).
    const { countryId, dedupeKey, ...fields } = body;
    // The item and its event commit together; a repeat of the dedupe key stores and sends nothing.
    const { item, created, staged } = await this.uow.runSql(async (tx) => {
      const stored = await this.items.create(tx, countryId, fields, dedupeKey);
      return { ...stored, staged: stored.created ? this.stageItemUpdate(tx, stored.item) : undefined };
    });
    const sent = await staged?.published;
    return { item: toItemDto(item), offset: sent?.offset ?? null, duplicate: !created };
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
   * transaction (one statement for the items, one for their events) and announced in item
   * order with consecutive offsets. An item that fails validation or names an unknown
   * country is reported as rejected and the others still go in; an item whose dedupe key
   * was stored before (or earlier in the same batch) is a duplicate and is not announced.
   */
  async createUpdates(items: unknown[]): Promise<BatchResponse<UpdateBatchItemResult>> {
    const results: UpdateBatchItemResult[] = new Array(items.length);
    const valid: Array<{ index: number; body: CreateUpdateInput }> = [];
    items.forEach((input, index) => {
      const parsed = parseBatchItem(createUpdateInput, input);
      if (parsed.ok) valid.push({ index, body: parsed.value });
      else results[index] = { index, status: 'rejected', code: parsed.code, message: parsed.message };
    });
    /** Later items repeating a dedupe key of the batch: they get the first stored one's item. */
    const repeats: Array<{ index: number; of: number }> = [];
    const outcome = await this.uow.runSql(async (tx) => {
      const known = await this.countries.lockExisting(tx, [...new Set(valid.map((v) => v.body.countryId))]);
      const firstWithKey = new Map<string, number>();
      const storable = valid.filter(({ index, body }) => {
        if (!known.has(body.countryId)) {
          results[index] = { index, status: 'rejected', code: 'not_found', message: `country ${body.countryId} not found` };
          return false;
        }
        const first = body.dedupeKey === undefined ? undefined : firstWithKey.get(body.dedupeKey);
        if (first !== undefined) {
          repeats.push({ index, of: first });
          return false;
        }
        if (body.dedupeKey !== undefined) firstWithKey.set(body.dedupeKey, index);
        return true;
      });
      const stored = await this.items.createMany(
        tx,
        storable.map(({ body: { countryId, dedupeKey, ...fields } }) => ({ countryId, item: fields, dedupeKey })),
      );
      // Staged in item order: one event-log write, consecutive offsets, emitted in this order after the commit.
      return stored.map(({ item, created }, i) => ({
        index: storable[i].index,
        item,
        staged: created ? this.stageItemUpdate(tx, item) : undefined,
      }));
    });
    const sent = await Promise.all(outcome.map((o) => o.staged?.published ?? Promise.resolve(undefined)));
    outcome.forEach(({ index, item }, i) => {
      const id = item.id.toString();
      const offset = sent[i]?.offset;
      results[index] = offset ? { index, status: 'created', id, offset } : { index, status: 'duplicate', id };
    });
    for (const { index, of } of repeats) results[index] = { index, status: 'duplicate', id: (results[of] as { id: string }).id };
    return batchResponse(results);
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
   * Stages the `intelligence:update` announcing a newly stored item, in the transaction that
   * stored it; keyed by the item, so a retried transaction cannot announce it twice.
   */
  private stageItemUpdate(tx: SqlTransaction, item: IntelligenceItem, extraData: Record<string, unknown> = {}) {
    return this.publisher.itemUpdateIn(tx, {
      category: item.category,
      countryId: item.countryId,
      priority: item.priority,
      data: { ...toItemEventData(item), ...extraData },
      idempotencyKey: `intelligence-item:${item.id}:update`,
    });
  }
}
