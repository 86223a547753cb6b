import type { Campaign, CampaignMember, Settlement, Structure } from '../../generated/prisma/client';
import type { CampaignView, CampaignRole, MemberView, SettlementView, StructureView } from './campaign.events';

/** Database rows → the DTOs clients see (REST and event payloads). */
export function campaignView(c: Campaign): CampaignView {
  return {
    id: c.id,
    name: c.name,
    worldTime: c.worldTime.toISOString(),
    clockRunning: c.clockRunning,
    clockRate: c.clockRate,
    tickedAt: c.tickedAt.toISOString(),
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function memberView(m: CampaignMember): MemberView {
  return {
    campaignId: m.campaignId,
    userId: m.userId,
    role: m.role as CampaignRole,
    addedBy: m.addedBy,
    createdAt: m.createdAt.toISOString(),
  };
}

export function settlementView(s: Settlement): SettlementView {
  return {
    id: s.id,
    campaignId: s.campaignId,
    name: s.name,
    data: jsonObject(s.data),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export function structureView(s: Structure): StructureView {
  return {
    id: s.id,
    campaignId: s.campaignId,
    settlementId: s.settlementId,
    name: s.name,
    type: s.type,
    data: jsonObject(s.data),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

function jsonObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
