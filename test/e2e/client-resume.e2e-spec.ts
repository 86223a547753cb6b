/**
 * @herald/client in Node against a real server that restarts: events published while the
 * client was away arrive once and in order, and `lastOffset` is the last one's offset.
 */
import { createHeraldClient, type ConnectionState, type HeraldClient } from '../../client/src';
import { eventually, sleep } from '../support/clients';
import { publishItem, putCountry, restartableApp, type RestartableApp } from '../support/herald-client';
import { token } from '../support/tokens';

describe('@herald/client resumes across a server restart', () => {
  let deployment: RestartableApp;
  let herald: HeraldClient | undefined;

  beforeAll(async () => {
    deployment = await restartableApp();
    await putCountry(deployment.url, 'r1');
  });
  afterAll(async () => {
    await herald?.close();
    await deployment?.dispose();
  });

  it('replays what was published while the server was down and the client away, once, in order', async () => {
    // getToken is asked at every connect: holding it keeps the client away while events are published.
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    let tokenCalls = 0;
    herald = createHeraldClient({
      url: deployment.url,
      getToken: async () => {
        tokenCalls++;
        await gate;
        return token('resumer');
      },
    });
    const states: ConnectionState[] = [];
    herald.on('state', (s) => states.push(s));
    const titles: string[] = [];
    const offsets: string[] = [];
    const sub = herald.subscribe('/ws/intelligence', 'country:r1', (event, payload) => {
      if (event !== 'intelligence:update') return;
      titles.push(String(payload.data.title));
      offsets.push(payload.offset);
    });

    await eventually(() => herald!.state === 'connected');
    // The subscription is acknowledged once a live event reaches it.
    await eventually(
      async () => {
        await publishItem(deployment.url, 'r1', `before-${titles.length}`);
        await sleep(100);
        return titles.length > 0;
      },
      10_000,
      0,
    );
    await sleep(300);
    const seenBefore = titles.length;

    gate = new Promise((resolve) => (release = resolve));
    await deployment.stop();
    await eventually(() => herald!.state !== 'connected');
    await deployment.start();
    const published: string[] = [];
    for (const title of ['away-1', 'away-2', 'away-3']) published.push(await publishItem(deployment.url, 'r1', title));
    release();

    await eventually(() => titles.length === seenBefore + 3, 15_000);
    const live = await publishItem(deployment.url, 'r1', 'after');
    await eventually(() => titles.length === seenBefore + 4);
    await sleep(300);

    expect(titles.slice(seenBefore)).toEqual(['away-1', 'away-2', 'away-3', 'after']);
    expect(offsets.slice(seenBefore)).toEqual([...published, live]);
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(sub.lastOffset).toBe(live);
    expect(tokenCalls).toBeGreaterThanOrEqual(2);
    expect(states).toContain('disconnected');
    expect(states[states.length - 1]).toBe('connected');
  });
});
