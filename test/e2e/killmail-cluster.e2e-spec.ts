/** Two instances of one deployment (shared PostgreSQL and Redis) serve one killmail feed. */
import type { Socket } from 'socket.io-client';
import type WebSocket from 'ws';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, emitAck, eventually, http, sleep } from '../support/clients';
import { collectFrames, esiKillmail, openFeed } from '../support/killmail';
import { serviceToken, token } from '../support/tokens';

describe('killmail feed across instances', () => {
  let a: TestApp;
  let b: TestApp;
  const clients: Array<WebSocket | Socket> = [];

  beforeAll(async () => {
    a = await startTestApp({ redis: true });
    b = await startTestApp({ databaseUrl: a.databaseUrl, redis: a.redisPrefix });
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await b?.close();
    await a?.close();
  });

  it('delivers a killmail ingested on one instance to raw and Socket.IO clients of both, once each', async () => {
    const rawA = await openFeed(a.url);
    const rawB = await openFeed(b.url);
    const sioB = await connect(b.url, '/ws/killmail', { token: token('viewer') });
    clients.push(rawA, rawB, sioB);
    await emitAck(sioB, 'subscribe', { channels: ['killstream', 'ship:587'] });
    const framesA = collectFrames(rawA);
    const framesB = collectFrames(rawB);
    const events = collect<{ data: { killmailId: number } }>(sioB, 'killmail');

    const km = esiKillmail();
    // the same killmail arriving at both instances at once is still stored and sent once
    const [ra, rb] = await Promise.all([
      http(a.url, 'POST', '/api/killmails', { token: serviceToken(), body: km }),
      http(b.url, 'POST', '/api/killmails', { token: serviceToken(), body: km }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 201]);
    await eventually(() => framesA.length === 1 && framesB.length === 1 && events.length === 1);
    await sleep(300);
    expect(framesA.map((f) => f.data.killmailId)).toEqual([km.killmail_id]);
    expect(framesB.map((f) => f.data.killmailId)).toEqual([km.killmail_id]);
    expect(framesA[0].offset).toBe(framesB[0].offset);
    expect(events.map((e) => e.data.killmailId)).toEqual([km.killmail_id]);
  });

  it('closes raw peers with 1001 when an instance shuts down', async () => {
    const extra = await startTestApp({ databaseUrl: a.databaseUrl, redis: a.redisPrefix });
    const raw = await openFeed(extra.url);
    const closed = new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)));
    await extra.close();
    expect(await closed).toBe(1001);
  });
});
