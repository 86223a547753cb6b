import { Injectable } from '@nestjs/common';
import { DomainError } from '../../core/errors';
import { UnitOfWork } from '../../core/realtime';
import { CampaignMembershipService } from './campaign-membership.service';
import { settlementView, structureView } from './campaign-views';
import { settlementRoom, structureRoom, type SettlementView, type StructureView } from './campaign.events';
import { CampaignPublisher } from './campaign.publisher';
import { metadataOf, type Actor } from './campaign.service';
import { MAX_ENTITY_DATA_BYTES } from './dto/campaign.dto';
import { SettlementRepository, type SettlementChanges, type StructureChanges } from './settlement.repository';

/**
 * Settlements and structures of a campaign. Every change is checked against the parent
 * campaign's policy and announced with `settlement_updated` / `structure_updated`, stored
 * in the change's own transaction and keyed by it (a create or delete once per entity, an
 * update by the entity's new version); an update that changes nothing announces nothing.
 * Unknown ids and ids in campaigns the caller is not a member of are both 404.
 */
@Injectable()
export class SettlementService {
  constructor(
    private readonly settlements: SettlementRepository,
    private readonly membership: CampaignMembershipService,
    private readonly publisher: CampaignPublisher,
    private readonly uow: UnitOfWork,
  ) {}

  async createSettlement(
    actor: Actor,
    campaignId: string,
    input: { name: string; data: Record<string, unknown> },
  ): Promise<SettlementView> {
    checkDataSize(input.data);
    await this.membership.authorize(campaignId, actor.principal, 'edit_content');
    return this.uow.run(async (tx) => {
      const view = settlementView(await this.settlements.createSettlement(tx, campaignId, input));
      this.publisher.settlementUpdatedIn(
        tx,
        { campaignId, settlementId: view.id, operation: 'create', settlement: view, metadata: metadataOf(actor) },
        `settlement:${view.id}:create`,
      );
      return view;
    });
  }

  async updateSettlement(actor: Actor, settlementId: string, changes: SettlementChanges): Promise<SettlementView> {
    checkDataSize(changes.data);
    const existing = await this.settlements.findSettlement(settlementId);
    if (!existing) throw DomainError.notFound('settlement not found');
    await this.authorize(existing.campaignId, actor, 'edit_content', 'settlement');
    const changedFields = fieldsChanged(existing, changes);
    if (!changedFields.length) return settlementView(existing); // a repeat of the last change: nothing to announce
    return this.uow.run(async (tx) => {
      const updated = await this.settlements.updateSettlement(tx, settlementId, changes);
      if (!updated) throw DomainError.notFound('settlement not found');
      const view = settlementView(updated);
      this.publisher.settlementUpdatedIn(
        tx,
        { campaignId: view.campaignId, settlementId, operation: 'update', settlement: view, changedFields, metadata: metadataOf(actor) },
        `settlement:${settlementId}:update:${updated.updatedAt.getTime()}`,
      );
      return view;
    });
  }

  /** Deletes the settlement and its structures; their subscribers are revoked everywhere. */
  async deleteSettlement(actor: Actor, settlementId: string): Promise<{ id: string; deleted: true }> {
    const existing = await this.settlements.findSettlement(settlementId);
    if (!existing) throw DomainError.notFound('settlement not found');
    const campaignId = existing.campaignId;
    await this.authorize(campaignId, actor, 'delete_content', 'settlement');
    const gone = await this.uow.run(async (tx) => {
      const deleted = await this.settlements.deleteSettlement(tx, settlementId);
      if (deleted) {
        this.publisher.settlementUpdatedIn(tx, { campaignId, settlementId, operation: 'delete', metadata: metadataOf(actor) }, `settlement:${settlementId}:delete`);
      }
      return deleted;
    });
    if (!gone) throw DomainError.notFound('settlement not found');
    await this.publisher.revokeRooms({ campaignId, settlementId, reason: 'deleted' }, [
      settlementRoom(settlementId),
      ...gone.structureIds.map(structureRoom),
    ]);
    return { id: settlementId, deleted: true };
  }

  async createStructure(
    actor: Actor,
    settlementId: string,
    input: { name: string; type: string; data: Record<string, unknown> },
  ): Promise<StructureView> {
    checkDataSize(input.data);
    const settlement = await this.settlements.findSettlement(settlementId);
    if (!settlement) throw DomainError.notFound('settlement not found');
    await this.authorize(settlement.campaignId, actor, 'edit_content', 'settlement');
    return this.uow.run(async (tx) => {
      const view = structureView(await this.settlements.createStructure(tx, settlement, input));
      this.publisher.structureUpdatedIn(
        tx,
        { campaignId: view.campaignId, settlementId, structureId: view.id, operation: 'create', structure: view, metadata: metadataOf(actor) },
        `structure:${view.id}:create`,
      );
      return view;
    });
  }

  async updateStructure(actor: Actor, structureId: string, changes: StructureChanges): Promise<StructureView> {
    checkDataSize(changes.data);
    const existing = await this.settlements.findStructure(structureId);
    if (!existing) throw DomainError.notFound('structure not found');
    await this.authorize(existing.campaignId, actor, 'edit_content', 'structure');
    const changedFields = fieldsChanged(existing, changes);
    if (!changedFields.length) return structureView(existing); // a repeat of the last change: nothing to announce
    return this.uow.run(async (tx) => {
      const updated = await this.settlements.updateStructure(tx, structureId, changes);
      if (!updated) throw DomainError.notFound('structure not found');
      const view = structureView(updated);
      this.publisher.structureUpdatedIn(
        tx,
        { campaignId: view.campaignId, settlementId: view.settlementId, structureId, operation: 'update', structure: view, changedFields, metadata: metadataOf(actor) },
        `structure:${structureId}:update:${updated.updatedAt.getTime()}`,
      );
      return view;
    });
  }

  async deleteStructure(actor: Actor, structureId: string): Promise<{ id: string; deleted: true }> {
    const existing = await this.settlements.findStructure(structureId);
    if (!existing) throw DomainError.notFound('structure not found');
    const { campaignId, settlementId } = existing;
    await this.authorize(campaignId, actor, 'delete_content', 'structure');
    const deleted = await this.uow.run(async (tx) => {
      if (!(await this.settlements.deleteStructure(tx, structureId))) return false;
      this.publisher.structureUpdatedIn(tx, { campaignId, settlementId, structureId, operation: 'delete', metadata: metadataOf(actor) }, `structure:${structureId}:delete`);
      return true;
    });
    if (!deleted) throw DomainError.notFound('structure not found');
    await this.publisher.revokeRooms({ campaignId, settlementId, structureId, reason: 'deleted' }, [structureRoom(structureId)]);
    return { id: structureId, deleted: true };
  }

  /** Like the campaign check, but a non-member learns only that the settlement or structure does not exist. */
  private async authorize(
    campaignId: string,
    actor: Actor,
    action: 'edit_content' | 'delete_content',
    what: string,
  ): Promise<void> {
    try {
      await this.membership.authorize(campaignId, actor.principal, action);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'not_found') throw DomainError.notFound(`${what} not found`);
      throw err;
    }
  }
}

function checkDataSize(data: Record<string, unknown> | undefined): void {
  if (data === undefined) return;
  const bytes = Buffer.byteLength(JSON.stringify(data));
  if (bytes > MAX_ENTITY_DATA_BYTES) {
    throw new DomainError('payload_too_large', `data is ${bytes} bytes; the limit is ${MAX_ENTITY_DATA_BYTES}`);
  }
}

/**
 * The requested fields whose values differ from the stored ones. None: the request repeats
 * the current state (a retried request), which is no change and publishes nothing.
 */
function fieldsChanged(stored: { name: string; data: unknown; type?: string }, changes: StructureChanges): string[] {
  return (Object.keys(changes) as Array<keyof StructureChanges>).filter((field) => {
    const wanted = changes[field];
    if (wanted === undefined) return false;
    const current = (stored as Record<string, unknown>)[field];
    return field === 'data' ? !sameJson(current, wanted) : current !== wanted;
  });
}

/** Deep equality of JSON values, key order aside. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
