/**
 * The operator console's live feed, `/ws/admin`, with real sockets: admin only, figures that
 * follow what the test does, and one view over several instances sharing Redis.
 */
import type { Socket } from 'socket.io-client';
import type { InstanceStats } from '../../src/core/admin';
import { startTestApp, type TestApp } from '../support/app';
import { connect, connectError, eventually, http } from '../support/clients';
import { adminToken, serviceToken, token } from '../support/tokens';

type Feed = { instances: InstanceStats[] };

/** Keeps the latest admin:stats message of a console socket. */
async function openFeed(url: string): Promise<{ socket: Socket; latest: () => Feed | undefined }> {
  const socket = await connect(url, '/ws/admin', { token: adminToken('feed-admin') });
  let latest: Feed | undefined;
  socket.on('admin:stats', (feed: Feed) => (latest = feed));
  return { socket, latest: () => latest };
}

const connectionsOf = (s: InstanceStats | undefined, namespace: string) => s?.namespaces.find((n) => n.namespace === namespace)?.connections ?? 0;

describe('/ws/admin live feed', () => {
  const apps: TestApp[] = [];
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const a of apps) await a.close();
  });

  it('admits admins only, and counts the refusals', async () => {
    const app = await startTestApp();
    apps.push(app);
    expect((await connectError(app.url, '/ws/admin', { token: token('plain-user') })).data?.code).toBe('socket_error:forbidden');
    expect((await connectError(app.url, '/ws/admin', { token: serviceToken() })).data?.code).toBe('socket_error:forbidden');
    expect((await connectError(app.url, '/ws/admin')).data?.code).toBe('socket_error:unauthorized');
    const metrics = await http<string>(app.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/herald_rejected_connections_total\{namespace="\/ws\/admin",code="socket_error:forbidden"\} 2/);
  });

  it('reports connections, publish rate and latency, jobs and database state as they change', async () => {
    const app = apps[0];
    const feed = await openFeed(app.url);
    sockets.push(feed.socket);
    await eventually(() => feed.latest());
    const before = connectionsOf(feed.latest()!.instances[0], '/ws/intelligence');
    const client = await connect(app.url, '/ws/intelligence', { token: token('counted') });
    sockets.push(client);
    await eventually(() => connectionsOf(feed.latest()?.instances[0], '/ws/intelligence') === before + 1, 5000);

    expect((await http(app.url, 'PUT', '/api/countries/5', { token: serviceToken(), body: { name: 'Ruritania', gdp: 1, population: 1, vitality: 1, economicTier: 'Developing' } })).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      expect((await http(app.url, 'POST', '/api/intelligence/updates', { token: serviceToken(), body: { countryId: '5', category: 'economic', title: `n${i}` } })).status).toBe(201);
    }
    // The console's "older events" pages back through history with `before`.
    type Page = { events: Array<{ offset: string }> };
    const page = (query: string) => http<Page>(app.url, 'GET', `/api/history?channel=country:5&${query}`, { token: adminToken() }).then((r) => r.body.events.map((e) => e.offset));
    const all = await page('limit=50');
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(await page('limit=1')).toEqual(all.slice(-1));
    expect(await page(`limit=2&before=${all[all.length - 1]}`)).toEqual(all.slice(-3, -1));

    const busy = (await eventually(() => feed.latest()?.instances.find((s) => s.publishedPerSecond > 0 && s.publishLatencyMs !== null), 5000))!;
    expect(busy.publishLatencyMs!.samples).toBeGreaterThanOrEqual(3);
    expect(busy.publishLatencyMs!.p99).toBeGreaterThanOrEqual(busy.publishLatencyMs!.p50);
    expect(busy.database.up).toBe(true);
    expect(busy.redis).toEqual({ enabled: false, up: true });
    const job = busy.jobs.find((j) => j.name === 'intelligence-broadcast');
    expect(job).toBeDefined();
    expect(Date.parse(job!.nextRunAt)).toBeGreaterThan(Date.parse(busy.at));
  });

  it('shows every instance sharing Redis, whichever one the console is connected to', async () => {
    const a = await startTestApp({ redis: true });
    apps.push(a);
    const b = await startTestApp({ redis: a.redisPrefix, databaseUrl: a.databaseUrl });
    apps.push(b);
    const feed = await openFeed(a.url);
    sockets.push(feed.socket);
    const onB = await connect(b.url, '/ws/intelligence', { token: token('on-b') });
    sockets.push(onB);
    const view = (await eventually(() => {
      const instances = feed.latest()?.instances ?? [];
      return instances.length === 2 && instances.some((s) => connectionsOf(s, '/ws/intelligence') === 1) ? instances : undefined;
    }, 8000))!;
    expect(new Set(view.map((s) => s.instance)).size).toBe(2);
    expect(view.every((s) => s.redis.enabled && s.redis.up)).toBe(true);
    // B's connection is attributed to B, not to the instance the console talks to.
    const feedOnA = view.find((s) => connectionsOf(s, '/ws/admin') === 1);
    expect(connectionsOf(feedOnA, '/ws/intelligence')).toBe(0);
  });
});
