/** Factories for the campaign e2e suites: campaigns, members, settlements and subscribed sockets over the real API. */
import type { Socket } from 'socket.io-client';
import { NAMESPACES } from '../../src/core/realtime';
import type { CampaignRole, SettlementDto, StructureDto } from '../../src/modules/campaign/campaign.dto';
import { connect, emitAck, http } from './clients';
import { token } from './tokens';

export interface Ack {
  success: boolean;
  error?: string;
  code?: string;
}

export async function ok<T>(promise: Promise<{ status: number; body: unknown }>, expected = [200, 201]): Promise<T> {
  const res = await promise;
  if (!expected.includes(res.status)) throw new Error(`unexpected ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as T;
}

export async function createCampaign(
  url: string,
  owner: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; worldTime: string }> {
  return ok(http(url, 'POST', '/api/campaigns', { token: token(owner), body: { name: 'Saltmarsh', ...body } }));
}

export async function addMember(url: string, campaignId: string, by: string, userId: string, role: CampaignRole): Promise<void> {
  await ok(http(url, 'POST', `/api/campaigns/${campaignId}/members`, { token: token(by), body: { userId, role } }));
}

export async function createSettlement(url: string, campaignId: string, by: string, name = 'Harbour'): Promise<SettlementDto> {
  return ok(http(url, 'POST', `/api/campaigns/${campaignId}/settlements`, { token: token(by), body: { name } }));
}

export async function createStructure(
  url: string,
  settlementId: string,
  by: string,
  name = 'Lighthouse',
): Promise<StructureDto> {
  return ok(
    http(url, 'POST', `/api/settlements/${settlementId}/structures`, { token: token(by), body: { name, type: 'tower' } }),
  );
}

export function connectAs(url: string, userId: string): Promise<Socket> {
  return connect(url, NAMESPACES.campaign, { token: token(userId) });
}

export type Scope = { campaignId: string } | { settlementId: string } | { structureId: string };

export function subscribe(socket: Socket, scope: Scope, since?: string): Promise<Ack> {
  const kind = 'campaignId' in scope ? 'campaign' : 'settlementId' in scope ? 'settlement' : 'structure';
  return emitAck<Ack>(socket, `subscribe_${kind}`, since === undefined ? scope : { ...scope, since });
}
