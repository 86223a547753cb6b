import type { Principal } from '../../core/auth';
import { NAMESPACES } from '../../core/realtime';
import type { CampaignMembershipService } from './campaign-membership.service';
import { CampaignChannels } from './campaign.channels';

describe('CampaignChannels', () => {
  const user = { userId: 'alice' } as Principal;
  const id = '0b5e6a3e-4a4f-4c7e-9f1e-2d2f6a1c9b10';

  function setup(campaignId: string | null) {
    const campaignOfRoom = jest.fn().mockResolvedValue(campaignId);
    const channels = new CampaignChannels({ campaignOfRoom } as unknown as CampaignMembershipService);
    return { channels, campaignOfRoom };
  }

  it('owns campaign, settlement and structure channels of /ws/campaign', () => {
    const { channels } = setup(null);
    expect(channels.namespace).toBe(NAMESPACES.campaign);
    for (const ok of [`campaign:${id}`, `settlement:${id}`, `structure:${id}`]) expect(channels.matches(ok)).toBe(true);
    for (const other of ['user:alice', 'system:events', 'killstream', `conversation:${id}`]) expect(channels.matches(other)).toBe(false);
  });

  it('asks the membership rule the subscribe_* events use, room by room', async () => {
    const { channels, campaignOfRoom } = setup(id);
    await expect(channels.canRead(user, `structure:${id}`)).resolves.toBe(true);
    expect(campaignOfRoom).toHaveBeenCalledWith({ kind: 'structure', id }, 'alice');
  });

  it('refuses a non-member and an id that is not one of ours, the latter without a lookup', async () => {
    const { channels, campaignOfRoom } = setup(null);
    await expect(channels.canRead(user, `campaign:${id}`)).resolves.toBe(false);
    await expect(channels.canRead(user, 'campaign:not-a-uuid')).resolves.toBe(false);
    expect(campaignOfRoom).toHaveBeenCalledTimes(1);
  });
});
