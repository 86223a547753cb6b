import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import { DomainError } from '../../core/errors';
import { CampaignMembershipService } from './campaign-membership.service';
import { settlementView, structureView } from './campaign-views';
import { settlementRoom, structureRoom, type SettlementView, type StructureView } from './campaign.events';
import { CampaignPublisher } from './campaign.publisher';
import { metadataOf, type Actor } from './campaign.service';
import { MAX_ENTITY_DATA_BYTES } from './dto/campaign.dto';
import { SettlementRepository, type SettlementChanges, type StructureChanges } from './settlement.repository';

/**
 * Settlements and structures of a campaign. Every change is checked against the parent
 * campaign's policy and announced with `settlement_updated` / `structure_updated`.
 * Unknown ids and ids in campaigns the caller is not a member of are both 404.
 */
@Injectable()
export class SettlementService {
  constructor(
    private readonly settlements: SettlementRepository,
    private readonly membership: CampaignMembershipService,
    private readonly publisher: CampaignPublisher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async createSettlement(
    actor: Actor,
    campaignId: string,
    input: { name: string; data: Record<string, unknown> },
  ): Promise<SettlementView> {
    checkDataSize(input.data);
    await this.membership.authorize(campaignId, actor.principal, 'edit_content');
    const created = await this.settlements.createSettlement(campaignId, input, this.config.quotas.settlementsPerCampaign);
    if (!created) throw DomainError.notFound('campaign not found');
    const view = settlementView(created);
    await this.publisher.settlementUpdated({
      campaignId,
      settlementId: view.id,
      operation: 'create',
      settlement: view,
      metadata: metadataOf(actor),
    });
    return view;
  }

  async updateSettlement(actor: Actor, settlementId: string, changes: SettlementChanges): Promise<SettlementView> {
    checkDataSize(changes.data);
    const existing = await this.settlements.findSettlement(settlementId);
    if (!existing) throw DomainError.notFound('settlement not found');
    await this.authorize(existing.campaignId, actor, 'edit_content', 'settlement');
    const updated = await this.settlements.updateSettlement(settlementId, changes);
    if (!updated) throw DomainError.notFound('settlement not found');
    const view = settlementView(updated);
    await this.publisher.settlementUpdated({
      campaignId: view.campaignId,
      settlementId,
      operation: 'update',
      settlement: view,
      changedFields: Object.keys(changes).filter((k) => changes[k as keyof SettlementChanges] !== undefined),
      metadata: metadataOf(actor),
    });
    return view;
  }

  /** Deletes the settlement and its structures; their subscribers are revoked everywhere. */
  async deleteSettlement(actor: Actor, settlementId: string): Promise<{ id: string; deleted: true }> {
    const existing = await this.settlements.findSettlement(settlementId);
    if (!existing) throw DomainError.notFound('settlement not found');
    const campaignId = existing.campaignId;
    await this.authorize(campaignId, actor, 'delete_content', 'settlement');
    const gone = await this.settlements.deleteSettlement(settlementId);
    if (!gone) throw DomainError.notFound('settlement not found');
    await this.publisher.settlementUpdated({ campaignId, settlementId, operation: 'delete', metadata: metadataOf(actor) });
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
    const created = await this.settlements.createStructure(settlement, input, this.config.quotas.structuresPerSettlement);
    if (!created) throw DomainError.notFound('settlement not found');
    const view = structureView(created);
    await this.publisher.structureUpdated({
      campaignId: view.campaignId,
      settlementId,
      structureId: view.id,
      operation: 'create',
      structure: view,
      metadata: metadataOf(actor),
    });
    return view;
  }

  async updateStructure(actor: Actor, structureId: string, changes: StructureChanges): Promise<StructureView> {
    checkDataSize(changes.data);
    const existing = await this.settlements.findStructure(structureId);
    if (!existing) throw DomainError.notFound('structure not found');
    await this.authorize(existing.campaignId, actor, 'edit_content', 'structure');
    const updated = await this.settlements.updateStructure(structureId, changes);
    if (!updated) throw DomainError.notFound('structure not found');
    const view = structureView(updated);
    await this.publisher.structureUpdated({
      campaignId: view.campaignId,
      settlementId: view.settlementId,
      structureId,
      operation: 'update',
      structure: view,
      changedFields: Object.keys(changes).filter((k) => changes[k as keyof StructureChanges] !== undefined),
      metadata: metadataOf(actor),
    });
    return view;
  }

  async deleteStructure(actor: Actor, structureId: string): Promise<{ id: string; deleted: true }> {
    const existing = await this.settlements.findStructure(structureId);
    if (!existing) throw DomainError.notFound('structure not found');
    const { campaignId, settlementId } = existing;
    await this.authorize(campaignId, actor, 'delete_content', 'structure');
    if (!(await this.settlements.deleteStructure(structureId))) throw DomainError.notFound('structure not found');
    await this.publisher.structureUpdated({
      campaignId,
      settlementId,
      structureId,
      operation: 'delete',
      metadata: metadataOf(actor),
    });
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
