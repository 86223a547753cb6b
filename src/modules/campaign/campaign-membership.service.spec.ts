import type { Principal } from '../../core/auth';
import { DomainError } from '../../core/errors';
import { CAMPAIGN_POLICY, CampaignMembershipService, type CampaignAction } from './campaign-membership.service';
import type { CampaignRole } from './campaign.dto';
import type { CampaignRepository } from './campaign.repository';
import type { SettlementRepository } from './settlement.repository';

const user = (userId: string, roles: string[] = []): Principal => ({ userId, roles, expiresAt: undefined });

describe('CampaignMembershipService', () => {
  const roles = new Map<string, CampaignRole>();
  const campaigns = {
    roleOf: jest.fn(async (_c: string, u: string) => roles.get(u) ?? null),
    find: jest.fn(async (id: string) => (id === 'c1' ? { id } : null)),
  };
  const settlements = {
    findSettlement: jest.fn(async (id: string) => (id === 's1' ? { id, campaignId: 'c1' } : null)),
    findStructure: jest.fn(async (id: string) => (id === 't1' ? { id, campaignId: 'c1' } : null)),
  };
  const service = new CampaignMembershipService(
    campaigns as unknown as CampaignRepository,
    settlements as unknown as SettlementRepository,
  );

  beforeEach(() => {
    roles.clear();
    roles.set('own', 'owner').set('gm', 'gm').set('pl', 'player').set('vw', 'viewer');
  });

  const outcome = async (userId: string, action: CampaignAction, principalRoles: string[] = []) => {
    try {
      await service.authorize('c1', user(userId, principalRoles), action);
      return 'allowed';
    } catch (err) {
      return (err as DomainError).code;
    }
  };

  it.each<[string, CampaignAction, string]>([
    ['own', 'manage_owners', 'allowed'],
    ['gm', 'manage_members', 'allowed'],
    ['gm', 'manage_owners', 'forbidden'],
    ['gm', 'change_world_time', 'allowed'],
    ['pl', 'edit_content', 'allowed'],
    ['pl', 'invalidate', 'allowed'],
    ['pl', 'delete_content', 'forbidden'],
    ['pl', 'change_world_time', 'forbidden'],
    ['pl', 'manage_members', 'forbidden'],
    ['vw', 'read', 'allowed'],
    ['vw', 'edit_content', 'forbidden'],
    ['stranger', 'read', 'not_found'],
  ])('%s may %s: %s', async (userId, action, expected) => {
    expect(await outcome(userId, action)).toBe(expected);
  });

  it('lets a service act like a GM in an existing campaign only', async () => {
    expect(await outcome('svc', 'delete_content', ['service'])).toBe('allowed');
    expect(await outcome('svc', 'manage_owners', ['service'])).toBe('forbidden');
    await expect(service.authorize('nope', user('svc', ['service']), 'read')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('gives every role read access and only owners every action', () => {
    for (const role of Object.keys(CAMPAIGN_POLICY) as CampaignRole[]) expect(CAMPAIGN_POLICY[role].has('read')).toBe(true);
    expect(CAMPAIGN_POLICY.owner.size).toBe(7);
  });

  it('checks settlements and structures through their parent campaign, unknown and forbidden alike', async () => {
    expect(await service.campaignOfRoom({ kind: 'structure', id: 't1' }, 'vw')).toBe('c1');
    expect(await service.campaignOfRoom({ kind: 'settlement', id: 's1' }, 'stranger')).toBeNull();
    expect(await service.campaignOfRoom({ kind: 'settlement', id: 'missing' }, 'own')).toBeNull();
    expect(await service.campaignOfRoom({ kind: 'campaign', id: 'c1' }, 'pl')).toBe('c1');
    expect(await service.canView('c1', 'stranger')).toBe(false);
  });
});
