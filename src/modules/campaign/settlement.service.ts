import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import { createHash } from 'node:crypto';
import { DomainError } from '../../core/errors';
import { UnitOfWork } from '../../core/realtime';
import { CampaignMembershipService } from './campaign-membership.service';
import {
  MAX_ENTITY_DATA_BYTES,
  toSettlementDto,
  toStructureDto,
  type CreateSettlementInput,
  type CreateStructureInput,
  type DeletedEntityDto,
  type SettlementDto,
  type StructureDto,
} from './campaign.dto';
import { settlementRoom, structureRoom } from './campaign.events';
import { CampaignPublisher } from './campaign.publisher';
import { metadataOf, type Actor } from './campaign.service';
import { SettlementRepository, type SettlementChanges, type StructureChanges } from './settlement.repository';
import type { Settlement, Structure } from '../../generated/prisma/client';

/**
 * Settlements and structures of a campaign. Every change is checked against the parent
 * campaign's policy and announced with `settlement_updated` / `structure_updated`, stored in
 * the change's own transaction (UnitOfWork) and keyed by the change: a create or a delete
 * once per entity, an update by the entity's new version and content. An update that
 * changes nothing writes and announces nothing, so a retried request publishes once.
 * Unknown ids and ids in campaigns the caller is not a member of are both 404.
 */
@Injectable()
export class SettlementService {
  constructor(
    private readonly settlements: SettlementRepository,
    private readonly membership: CampaignMembershipService,
    private readonly publisher: CampaignPublisher,
    private readonly uow: UnitOfWork,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async createSettlement(
    actor: Actor,
    campaignId: string,
    input: CreateSettlementInput,
  ): Promise<SettlementDto> {
    checkDataSize(input.data);
    await this.membership.authorize(campaignId, actor.principal, 'edit_content');
    const view = await this.uow.run(async (tx) => {
      const created = await this.settlements.createSettlement(tx, campaignId, input, this.config.quotas.settlementsPerCampaign);
      if (!created) return null;
      const settlement = toSettlementDto(created);
      this.publisher.settlementUpdatedIn(
        tx,
        { campaignId, settlementId: settlement.id, operation: 'create', settlement, metadata: metadataOf(actor) },
        `settlement:${settlement.id}:create`,
      );
      return settlement;
    });
    if (!view) throw DomainError.notFound('campaign not found');
    return view;
  }

  async updateSettlement(actor: Actor, settlementId: string, changes: SettlementChanges): Promise<SettlementDto> {
    checkDataSize(changes.data);
    const existing = await this.settlements.findSettlement(settlementId);
    if (!existing) throw DomainError.notFound('settlement not found');
    await this.authorize(existing.campaignId, actor, 'edit_content', 'settlement');
    const view = await this.uow.run(async (tx) => {
      const before = await this.settlements.lockSettlement(tx, settlementId);
      if (!before) return null;
      const changedFields = fieldsChanged(before, changes);
      if (!changedFields.length) return toSettlementDto(before); // a repeat of the current state: nothing to announce
      const updated = await this.settlements.updateSettlement(tx, settlementId, changes);
      if (!updated) return null;
      const settlement = toSettlementDto(updated);
      this.publisher.settlementUpdatedIn(
        tx,
        {
          campaignId: settlement.campaignId,
          settlementId,
          operation: 'update',
          settlement,
          changedFields,
          metadata: metadataOf(actor),
        },
        `settlement:${settlementId}:update:${versionOf(updated)}`,
      );
      return settlement;
    });
    if (!view) throw DomainError.notFound('settlement not found');
    return view;
  }

  /** Deletes the settlement and its structures; their subscribers are revoked everywhere. */
  async deleteSettlement(actor: Actor, settlementId: string): Promise<DeletedEntityDto> {
    const existing = await this.settlements.findSettlement(settlementId);
    if (!existing) throw DomainError.notFound('settlement not found');
    const campaignId = existing.campaignId;
    await this.authorize(campaignId, actor, 'delete_content', 'settlement');
    // The deletion, its event and the revocation of its rooms commit together.
    const gone = await this.uow.run(async (tx) => {
      const deleted = await this.settlements.deleteSettlement(tx, settlementId);
      if (!deleted) return null;
      this.publisher.settlementUpdatedIn(
        tx,
        { campaignId, settlementId, operation: 'delete', metadata: metadataOf(actor) },
        `settlement:${settlementId}:delete`,
      );
      this.publisher.revokeRoomsIn(
        tx,
        { campaignId, settlementId, reason: 'deleted' },
        [settlementRoom(settlementId), ...deleted.structureIds.map(structureRoom)],
        `settlement:${settlementId}:delete:revoke`,
      );
      return deleted;
    });
    if (!gone) throw DomainError.notFound('settlement not found');
    return { id: settlementId, deleted: true };
  }

  async createStructure(
    actor: Actor,
    settlementId: string,
    input: CreateStructureInput,
  ): Promise<StructureDto> {
    checkDataSize(input.data);
    const settlement = await this.settlements.findSettlement(settlementId);
    if (!settlement) throw DomainError.notFound('settlement not found');
    await this.authorize(settlement.campaignId, actor, 'edit_content', 'settlement');
    const view = await this.uow.run(async (tx) => {
      const created = await this.settlements.createStructure(tx, settlement, input, this.config.quotas.structuresPerSettlement);
      if (!created) return null;
      const structure = toStructureDto(created);
      this.publisher.structureUpdatedIn(
        tx,
        {
          campaignId: structure.campaignId,
          settlementId,
          structureId: structure.id,
          operation: 'create',
          structure,
          metadata: metadataOf(actor),
        },
        `structure:${structure.id}:create`,
      );
      return structure;
    });
    if (!view) throw DomainError.notFound('settlement not found');
    return view;
  }

  async updateStructure(actor: Actor, structureId: string, changes: StructureChanges): Promise<StructureDto> {
    checkDataSize(changes.data);
    const existing = await this.settlements.findStructure(structureId);
    if (!existing) throw DomainError.notFound('structure not found');
    await this.authorize(existing.campaignId, actor, 'edit_content', 'structure');
    const view = await this.uow.run(async (tx) => {
      const before = await this.settlements.lockStructure(tx, structureId);
      if (!before) return null;
      const changedFields = fieldsChanged(before, changes);
      if (!changedFields.length) return toStructureDto(before); // a repeat of the current state: nothing to announce
      const updated = await this.settlements.updateStructure(tx, structureId, changes);
      if (!updated) return null;
      const structure = toStructureDto(updated);
      this.publisher.structureUpdatedIn(
        tx,
        {
          campaignId: structure.campaignId,
          settlementId: structure.settlementId,
          structureId,
          operation: 'update',
          structure,
          changedFields,
          metadata: metadataOf(actor),
        },
        `structure:${structureId}:update:${versionOf(updated)}`,
      );
      return structure;
    });
    if (!view) throw DomainError.notFound('structure not found');
    return view;
  }

  async deleteStructure(actor: Actor, structureId: string): Promise<DeletedEntityDto> {
    const existing = await this.settlements.findStructure(structureId);
    if (!existing) throw DomainError.notFound('structure not found');
    const { campaignId, settlementId } = existing;
    await this.authorize(campaignId, actor, 'delete_content', 'structure');
    const deleted = await this.uow.run(async (tx) => {
      if (!(await this.settlements.deleteStructure(tx, structureId))) return false;
      this.publisher.structureUpdatedIn(
        tx,
        { campaignId, settlementId, structureId, operation: 'delete', metadata: metadataOf(actor) },
        `structure:${structureId}:delete`,
      );
      this.publisher.revokeRoomsIn(
        tx,
        { campaignId, settlementId, structureId, reason: 'deleted' },
        [structureRoom(structureId)],
        `structure:${structureId}:delete:revoke`,
      );
      return true;
    });
    if (!deleted) throw DomainError.notFound('structure not found');
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

/** The requested fields whose value differs from the stored one (data compared as JSON), in request order. */
function fieldsChanged(current: Settlement | Structure, changes: StructureChanges): string[] {
  return (Object.keys(changes) as Array<keyof StructureChanges>).filter((field) => {
    const next = changes[field];
    if (next === undefined) return false;
    const stored = (current as Partial<Record<keyof StructureChanges, unknown>>)[field];
    return field === 'data' ? !sameJson(stored, next) : stored !== next;
  });
}

/** JSON equality regardless of key order (PostgreSQL jsonb does not keep it). */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The entity's new version: its update time plus a digest of its content, so two different
 * changes within one millisecond still get different idempotency keys.
 */
function versionOf(entity: Settlement | Structure): string {
  const content = JSON.stringify(
    canonical({ name: entity.name, type: 'type' in entity ? entity.type : undefined, data: entity.data }),
  );
  return `${entity.updatedAt.getTime()}:${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
}

function checkDataSize(data: Record<string, unknown> | undefined): void {
  if (data === undefined) return;
  const bytes = Buffer.byteLength(JSON.stringify(data));
  if (bytes > MAX_ENTITY_DATA_BYTES) {
    throw new DomainError('payload_too_large', `data is ${bytes} bytes; the limit is ${MAX_ENTITY_DATA_BYTES}`);
  }
}
