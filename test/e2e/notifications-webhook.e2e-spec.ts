/**
 * Discord escalation against a local HTTP server standing in for the webhook: success,
 * 5xx with exponential backoff, 429 with Retry-After, timeouts, acknowledgement stopping
 * escalation, and at most one delivery per notification per webhook across instances.
 */
import { PrismaService } from '../../src/core/prisma';
import { NotificationWebhookService } from '../../src/modules/notifications/notification-webhook.service';
import { startTestApp, type TestApp } from '../support/app';
import { client, eventually, http, sleep, waitFor } from '../support/clients';
import { WebhookStub } from '../support/notifications-webhook-stub';
import { serviceToken, token } from '../support/tokens';

const BASE_BACKOFF_MS = 150;
const TIMEOUT_MS = 500;
const MAX_ATTEMPTS = 4;

interface Created {
  notifications: Array<{ id: string; title: string }>;
}

describe('notifications: Discord webhook delivery', () => {
  let stub: WebhookStub;
  let app: TestApp;
  let other: TestApp;

  const tune = (a: TestApp) =>
    a.get(NotificationWebhookService).configure({ timeoutMs: TIMEOUT_MS, baseBackoffMs: BASE_BACKOFF_MS, maxBackoffMs: 2_000, maxAttempts: MAX_ATTEMPTS });

  beforeAll(async () => {
    stub = await WebhookStub.start();
    const env = { DISCORD_WEBHOOK_ENABLED: 'true', DISCORD_WEBHOOK_URL: stub.url };
    app = await startTestApp({ env });
    // A second instance of the same deployment: same database, same webhook.
    other = await startTestApp({ env, databaseUrl: app.databaseUrl });
    tune(app);
    tune(other);
  });
  afterAll(async () => {
    await other?.close();
    await app?.close();
    await stub?.close();
  });

  async function notify(title: string, extra: Record<string, unknown> = {}, on = app) {
    const res = await http<Created>(on.url, 'POST', '/api/notifications', {
      token: serviceToken(),
      body: { userId: 'ops-1', eventKey: 'compliance.report_overdue', category: 'compliance', title, body: `${title} @everyone`, ...extra },
    });
    expect(res.status).toBe(201);
    return res.body.notifications[0];
  }

  const deliveries = (title: string) =>
    app.get(PrismaService).notificationWebhookDelivery.findMany({ where: { notification: { title } } });

  async function deliveryOf(title: string) {
    const rows = await deliveries(title);
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  it('posts an escalated notification once, with mentions disabled; other categories stay in-app', async () => {
    stub.answer(() => ({ status: 204 }));
    await notify('ok-1');
    await notify('in-app only', { category: 'economic', eventKey: 'economy.gdp_changed' });
    await notify('critical anywhere', { category: 'social', priority: 'critical' });
    await eventually(async () => (await deliveryOf('ok-1')).status === 'delivered' && (await deliveryOf('critical anywhere')).status === 'delivered');
    await sleep(300);
    expect(stub.for('ok-1')).toHaveLength(1);
    expect(stub.for('critical anywhere')).toHaveLength(1);
    expect(stub.for('in-app only')).toHaveLength(0);
    expect(await deliveries('in-app only')).toEqual([]);
    const [request] = stub.for('ok-1');
    expect(request.body.allowed_mentions).toEqual({ parse: [] });
    expect(request.body.embeds[0]).toMatchObject({ title: '[MEDIUM] ok-1', description: 'ok-1 @everyone' });
    expect(await deliveryOf('ok-1')).toMatchObject({ attempts: 1, lastError: null, deliveredAt: expect.any(Date) });
    // The stored target names the webhook without its secret URL.
    expect((await deliveryOf('ok-1')).target).toMatch(/^discord:[0-9a-f]{16}$/);
  });

  it('retries 5xx answers with exponential backoff until one succeeds', async () => {
    stub.answer((_title, attempt) => (attempt <= 2 ? { status: 500, body: '{"message":"boom"}' } : { status: 200, body: '{}' }));
    await notify('flaky');
    await eventually(async () => (await deliveryOf('flaky')).status === 'delivered');
    const [first, second, third] = stub.for('flaky');
    expect(stub.for('flaky')).toHaveLength(3);
    // Lower bounds only: a slow machine stretches the gaps, never shortens them.
    expect(second.at - first.at).toBeGreaterThanOrEqual(BASE_BACKOFF_MS - 5);
    expect(third.at - second.at).toBeGreaterThanOrEqual(2 * BASE_BACKOFF_MS - 5);
    expect(await deliveryOf('flaky')).toMatchObject({ attempts: 3, lastError: null });
  });

  it('waits as long as a 429 Retry-After says before trying again', async () => {
    stub.answer((_title, attempt) => (attempt === 1 ? { status: 429, headers: { 'Retry-After': '1' }, body: '{"retry_after":1}' } : { status: 204 }));
    await notify('rate-limited');
    await eventually(async () => (await deliveryOf('rate-limited')).status === 'delivered');
    const [first, second] = stub.for('rate-limited');
    expect(stub.for('rate-limited')).toHaveLength(2);
    expect(second.at - first.at).toBeGreaterThanOrEqual(990);
  });

  it('gives up after the attempt limit and records why', async () => {
    stub.answer(() => ({ status: 503 }));
    await notify('always-down');
    await eventually(async () => (await deliveryOf('always-down')).status === 'failed', 10_000);
    await sleep(300);
    expect(stub.for('always-down')).toHaveLength(MAX_ATTEMPTS);
    expect(await deliveryOf('always-down')).toMatchObject({ attempts: MAX_ATTEMPTS, lastError: expect.stringContaining('HTTP 503') });
  });

  it('does not block in-app delivery on a hanging webhook, and never re-posts after a timeout (outcome unknown)', async () => {
    stub.answer(() => 'hang');
    const socket = client(app.url, '/ws/app', { token: token('ops-1') });
    try {
      await waitFor(socket, 'notifications:ready');
      const arrived = waitFor<{ notification: { title: string } }>(socket, 'notifications:new');
      await notify('hanging');
      expect((await arrived).notification.title).toBe('hanging');
      await eventually(async () => (await deliveryOf('hanging')).status === 'failed');
      // Well past the backoff a retry would have used.
      await sleep(BASE_BACKOFF_MS * 3);
      expect(stub.for('hanging')).toHaveLength(1);
      expect((await deliveryOf('hanging')).lastError).toMatch(/no answer within 500 ms/);
    } finally {
      socket.close();
    }
  });

  it('stops escalating a notification once it is acknowledged', async () => {
    stub.answer((_title, attempt) => (attempt === 1 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 204 }));
    const created = await notify('acked');
    await eventually(() => stub.for('acked').length === 1);
    const ack = await http(app.url, 'POST', `/api/notifications/${created.id}/ack`, { token: token('ops-1') });
    expect(ack.status).toBe(200);
    await eventually(async () => (await deliveryOf('acked')).status === 'skipped', 5_000);
    // The retry would have fallen due after 1 s; let that pass and a job pass run too.
    await sleep(1_200);
    await app.get(NotificationWebhookService).drain();
    expect(stub.for('acked')).toHaveLength(1);
    expect((await deliveryOf('acked')).status).toBe('skipped');
  });

  it('delivers at most once per notification per webhook while two instances race for it', async () => {
    stub.answer(() => ({ status: 204, delayMs: 150 }));
    const racers = [app, other].map((a) => a.get(NotificationWebhookService));
    const titles = ['race-1', 'race-2', 'race-3', 'race-4'];
    await Promise.all([
      ...titles.map((t, i) => notify(t, {}, i % 2 ? other : app)),
      ...racers.flatMap((r) => [r.drain(), sleep(20).then(() => r.drain()), sleep(60).then(() => r.drain())]),
    ]);
    await eventually(async () => {
      const rows = await Promise.all(titles.map(deliveryOf));
      return rows.every((r) => r.status === 'delivered');
    });
    await Promise.all(racers.map((r) => r.drain()));
    for (const t of titles) expect({ t, posts: stub.for(t).length }).toEqual({ t, posts: 1 });
  });
});

describe('notifications: Discord escalation as configured', () => {
  let stub: WebhookStub;
  let app: TestApp;

  beforeAll(async () => {
    stub = await WebhookStub.start();
    stub.answer(() => ({ status: 204 }));
    app = await startTestApp({
      env: { DISCORD_WEBHOOK_ENABLED: 'true', DISCORD_WEBHOOK_URL: stub.url, DISCORD_WEBHOOK_CATEGORIES: 'economic', DISCORD_WEBHOOK_MIN_PRIORITY: 'none' },
    });
  });
  afterAll(async () => {
    await app?.close();
    await stub?.close();
  });

  it('escalates only DISCORD_WEBHOOK_CATEGORIES, and no priority when DISCORD_WEBHOOK_MIN_PRIORITY is none', async () => {
    const notify = (title: string, category: string, priority = 'medium') =>
      http<Created>(app.url, 'POST', '/api/notifications', {
        token: serviceToken(),
        body: { userId: 'ops-2', eventKey: `${category}.test`, category, title, body: title, priority },
      });
    for (const [title, category, priority] of [
      ['gdp fell', 'economic', 'low'],
      ['report overdue', 'compliance', 'medium'],
      ['fleet lost', 'defense', 'critical'],
    ]) {
      expect((await notify(title, category, priority)).status).toBe(201);
    }
    await eventually(() => stub.for('gdp fell').length === 1);
    await sleep(500);
    expect(stub.for('report overdue')).toHaveLength(0);
    expect(stub.for('fleet lost')).toHaveLength(0);
    const rows = await app.get(PrismaService).notificationWebhookDelivery.findMany({ where: { notification: { userId: 'ops-2' } }, include: { notification: true } });
    expect(rows.map((r) => r.notification.title)).toEqual(['gdp fell']);
  });
});
