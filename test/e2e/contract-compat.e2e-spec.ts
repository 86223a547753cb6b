/**
 * Compatibility features for clients written against the older systems: the raw feed's
 * generic producer for update types other than killmails, and the connection census that
 * non-production instances log.
 */
import type WebSocket from 'ws';
import { ConnectionCensusLogger } from '../../src/core/realtime';
import { KillmailFeedServer } from '../../src/modules/killmail/killmail-feed.server';
import { startTestApp, type TestApp } from '../support/app';
import { connect, eventually } from '../support/clients';
import { openFeed } from '../support/killmail';
import { token } from '../support/tokens';

describe('compatibility features', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('broadcasts a generic update {type, data, timestamp} to raw feed peers, refusing bad type names', async () => {
    const ws: WebSocket = await openFeed(app.url);
    const frames: Array<Record<string, unknown>> = [];
    ws.on('message', (raw: Buffer) => frames.push(JSON.parse(raw.toString()) as Record<string, unknown>));
    const feed = app.get(KillmailFeedServer);
    await eventually(() => feed.peerCount === 1);
    const before = Date.now();
    await feed.broadcast('sovereignty_update', { systemId: 30000142, allianceId: 99000001 });
    await eventually(() => frames.length === 1);
    expect(frames[0]).toEqual({
      type: 'sovereignty_update',
      data: { systemId: 30000142, allianceId: 99000001 },
      timestamp: expect.any(Number),
    });
    expect(frames[0].timestamp as number).toBeGreaterThanOrEqual(before);
    await expect(feed.broadcast('killmail', {})).rejects.toThrow('not an update type');
    await expect(feed.broadcast('Bad Type', {})).rejects.toThrow('not an update type');
    ws.close();
  });

  it('counts active and peak connections for the periodic log line', async () => {
    const census = app.get(ConnectionCensusLogger);
    const start = census.census();
    const a = await connect(app.url, '/ws/intelligence', { token: token('census-a') });
    const b = await connect(app.url, '/ws/killmail', { token: token('census-b') });
    await eventually(() => census.census().active === start.active + 2);
    expect(census.census().peak).toBeGreaterThanOrEqual(start.active + 2);
    a.close();
    await eventually(() => census.census().active === start.active + 1);
    expect(census.line()).toBe(`active connections: ${start.active + 1}, peak: ${census.census().peak}`);
    b.close();
  });
});
