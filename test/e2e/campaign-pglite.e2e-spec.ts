/**
 * The embedded default (`npm start`, `node dist/main.js` built by `npm test`'s pretest):
 * the campaign migration and its raw SQL (world time, clock ticks, owner lock) on PGlite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnApp, type AppProcess } from '../support/app';
import { http, waitFor } from '../support/clients';
import { addMember, connectAs, createCampaign, createSettlement, ok, subscribe } from '../support/campaign';
import { TEST_JWT_SECRET, token } from '../support/tokens';

describe('campaign on the embedded PGlite database', () => {
  let app: AppProcess;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-campaign-'));

  beforeAll(async () => {
    app = await spawnApp({ DATA_DIR: dataDir, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'warn' });
  }, 180_000); // PGlite's first start (WASM, migrations) is slow on a busy machine
  afterAll(async () => {
    await app?.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('ticks the clock, moves time and removes members', async () => {
    const { url } = app;
    const campaign = await createCampaign(url, 'own', {
      clockRunning: true,
      clockRate: 2,
      worldTime: '1000-01-01T00:00:00.000Z',
    });
    await addMember(url, campaign.id, 'own', 'pl', 'player');
    await createSettlement(url, campaign.id, 'pl');
    const socket = await connectAs(url, 'pl');
    try {
      expect(await subscribe(socket, { campaignId: campaign.id })).toEqual({ success: true });
      const tick = await waitFor<{ previousTime: string; currentTime: string }>(socket, 'world_time_changed', 5000);
      expect(Date.parse(tick.currentTime) - Date.parse(tick.previousTime)).toBe(2000);

      const stopped = await ok<{ worldTime: string; clockRunning: boolean }>(
        http(url, 'POST', `/api/campaigns/${campaign.id}/world-time`, { token: token('own'), body: { running: false } }),
      );
      expect(stopped.clockRunning).toBe(false);
      const moved = await ok<{ worldTime: string }>(
        http(url, 'POST', `/api/campaigns/${campaign.id}/world-time`, { token: token('own'), body: { advanceBy: 0.5 } }),
      );
      expect(Date.parse(moved.worldTime) - Date.parse(stopped.worldTime)).toBe(500);

      const revoked = waitFor(socket, 'subscription_revoked');
      expect((await http(url, 'DELETE', `/api/campaigns/${campaign.id}/members/pl`, { token: token('own') })).status).toBe(200);
      expect(await revoked).toEqual({ campaignId: campaign.id, reason: 'membership_removed' });
      expect((await http(url, 'DELETE', `/api/campaigns/${campaign.id}/members/own`, { token: token('own') })).status).toBe(409);
    } finally {
      socket.close();
    }
  });
});
