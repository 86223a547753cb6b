/**
 * The transactional outbox against real processes and a real PostgreSQL: a domain change
 * and its event commit together; a kill -9 between the commit and the emit loses nothing
 * (the relay emits it after the restart, once; a whole batch too, in order); a failing
 * event-log write rolls the change back.
 */
import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import { spawnApp, startTestApp, type AppProcess, type TestApp } from '../support/app';
import { collect, emitAck, eventually, http, sleep, waitFor } from '../support/clients';
import { createTestDatabase, dropTestDatabase, withDb } from '../support/database';
import { appSocket } from '../support/notifications-app-socket';
import { RELAY_GRACE_MS, RELAY_MAX_INTERVAL_MS } from '../../src/core/realtime/outbox-relay';
import { serviceToken, TEST_JWT_SECRET, token } from '../support/tokens';

interface MessageEventPayload {
  offset: string;
  message: { id: string; body: string };
}

const count = (db: Client, sql: string, params: unknown[] = []) => db.query<{ n: string }>(sql, params).then((r) => Number(r.rows[0].n));

async function startConversation(url: string): Promise<string> {
  const created = await http<{ id: string }>(url, 'POST', '/api/conversations', { token: token('ox-ann'), body: { participantIds: ['ox-ben'] } });
  expect(created.status).toBe(201);
  return created.body.id;
}

/** Posts a message on a process that dies (SIGKILL) right after the commit; returns once it is dead. */
async function postAndDie(app: AppProcess, conversationId: string, body: string): Promise<void> {
  const answer = await http(app.url, 'POST', `/api/conversations/${conversationId}/messages`, { token: token('ox-ann'), body: { body } }).catch(
    () => 'no answer',
  );
  expect(answer).toBe('no answer');
  await app.exited;
  expect(app.child.signalCode).toBe('SIGKILL');
}

describe('transactional outbox: kill -9 between commit and emit', () => {
  const running: AppProcess[] = [];
  const sockets: Socket[] = [];
  let databaseUrl: string;
  beforeEach(async () => {
    databaseUrl = await createTestDatabase('outbox');
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    for (const p of running.splice(0)) await p.stop('SIGKILL');
    await dropTestDatabase(databaseUrl);
  });

  it('leaves the change, its event and its outbox row committed; after the restart the relay emits it, once, and history has it', async () => {
    const env = { DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'warn' };
    const doomed = await spawnApp({ ...env, HERALD_FAULT_EXIT_AFTER_COMMIT: 'true' }, { entry: 'fixture' });
    running.push(doomed);
    const conversationId = await startConversation(doomed.url); // no events: survives
    await postAndDie(doomed, conversationId, 'sent just before the crash');

    await withDb(databaseUrl, async (db) => {
      expect(await count(db, 'SELECT count(*) AS n FROM messages WHERE conversation_id = $1', [conversationId])).toBe(1);
      expect(await count(db, "SELECT count(*) AS n FROM events WHERE event = 'messages:new'")).toBe(1);
      expect(await count(db, 'SELECT count(*) AS n FROM event_outbox_runs')).toBe(1); // committed, never emitted
    });

    const restarted = await spawnApp(env, { entry: 'fixture' });
    running.push(restarted);
    // The relay runs as the application starts: the orphan is emitted within a second of it being up.
    await withDb(databaseUrl, (db) => eventually(async () => (await count(db, 'SELECT count(*) AS n FROM event_outbox_runs')) === 0, 1000, 50));
    expect(restarted.output()).toMatch(/relayed 1 committed event/);

    // A client that resumes from before the crash gets it once (replayed, or live from the relay).
    const ben = await appSocket(restarted.url, 'ox-ben');
    sockets.push(ben);
    const seen = collect<MessageEventPayload>(ben, 'messages:new');
    const ack = await emitAck<{ success: boolean }>(ben, 'conversations:join', { conversationId, since: '0' });
    expect(ack.success).toBe(true);
    await eventually(() => seen.length >= 1, 5000);
    await sleep(RELAY_GRACE_MS + RELAY_MAX_INTERVAL_MS); // a relay pass of any instance has run since: a second copy would have arrived
    expect(seen.map((e) => e.message.body)).toEqual(['sent just before the crash']);

    const history = await http<{ events: Array<{ event: string; payload: MessageEventPayload }> }>(
      restarted.url,
      'GET',
      `/api/history?channel=conversation:${conversationId}`,
      { token: token('ox-ben') },
    );
    expect(history.body.events.map((e) => [e.event, e.payload.message.body])).toEqual([['messages:new', 'sent just before the crash']]);
  }, 120_000);

  it('delivers the orphan once to a client connected to another instance all along', async () => {
    const redisPrefix = `herald-outbox-${Date.now()}`;
    const survivor: TestApp = await startTestApp({ databaseUrl, redis: redisPrefix });
    try {
      const env = { DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'warn', REDIS_URL: survivor.config.redisUrl!, REDIS_PREFIX: redisPrefix };
      const doomed = await spawnApp({ ...env, HERALD_FAULT_EXIT_AFTER_COMMIT: 'true' }, { entry: 'fixture' });
      running.push(doomed);
      const conversationId = await startConversation(survivor.url);
      const ben = await appSocket(survivor.url, 'ox-ben');
      sockets.push(ben);
      const seen = collect<MessageEventPayload>(ben, 'messages:new');
      const first = waitFor<MessageEventPayload>(ben, 'messages:new', 10_000);
      await postAndDie(doomed, conversationId, 'orphaned on the dead instance');

      // Emitted by whichever live instance's relay claims it first; a restart of the dead one adds no copy.
      expect((await first).message.body).toBe('orphaned on the dead instance');
      const restarted = await spawnApp(env, { entry: 'fixture' });
      running.push(restarted);
      await sleep(RELAY_GRACE_MS + RELAY_MAX_INTERVAL_MS);
      expect(seen).toHaveLength(1);
      await withDb(databaseUrl, async (db) => expect(await count(db, 'SELECT count(*) AS n FROM event_outbox_runs')).toBe(0));
    } finally {
      await survivor.close();
    }
  }, 120_000);

  it('relays a whole batch committed just before the crash: every event once, in offset order', async () => {
    const redisPrefix = `herald-outbox-batch-${Date.now()}`;
    const survivor: TestApp = await startTestApp({ databaseUrl, redis: redisPrefix });
    try {
      const env = { DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'warn', REDIS_URL: survivor.config.redisUrl!, REDIS_PREFIX: redisPrefix };
      const doomed = await spawnApp({ ...env, HERALD_FAULT_EXIT_AFTER_COMMIT: 'true' }, { entry: 'fixture' });
      running.push(doomed);
      const cat = await appSocket(survivor.url, 'ox-cat');
      sockets.push(cat);
      const seen = collect<{ offset: string; notification: { title: string } }>(cat, 'notifications:new');
      const titles = ['one', 'two', 'three', 'four', 'five'];
      const items = titles.map((title) => ({ userId: 'ox-cat', eventKey: 'ox.batch', category: 'system', title, body: 'b' }));
      const answer = await http(doomed.url, 'POST', '/api/notifications/batch', { token: serviceToken(), body: { items } }).catch(() => 'no answer');
      expect(answer).toBe('no answer');
      await doomed.exited;
      await withDb(databaseUrl, async (db) => {
        expect(await count(db, "SELECT count(*) AS n FROM events WHERE event = 'notifications:new'")).toBe(titles.length);
        // One outbox row for the batch's append, not one per event.
        expect(await count(db, 'SELECT count(*) AS n FROM event_outbox_runs')).toBe(1);
      });

      await eventually(() => seen.length >= titles.length, 10_000);
      await sleep(RELAY_GRACE_MS + RELAY_MAX_INTERVAL_MS); // another relay pass: a second copy would have arrived
      expect(seen.map((e) => e.notification.title)).toEqual(titles);
      const offsets = seen.map((e) => BigInt(e.offset));
      expect(offsets.every((o, k) => k === 0 || o > offsets[k - 1])).toBe(true);
      await withDb(databaseUrl, async (db) => expect(await count(db, 'SELECT count(*) AS n FROM event_outbox_runs')).toBe(0));
    } finally {
      await survivor.close();
    }
  }, 120_000);
});

describe('transactional outbox: a failing event-log write', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('rolls the domain change back: no message, no event, no outbox row', async () => {
    const conversationId = await startConversation(app.url);
    // A real failure of the event-log insert, for this one payload only.
    await withDb(app.databaseUrl, (db) =>
      db.query("ALTER TABLE events ADD CONSTRAINT refuse_poison CHECK (payload #>> '{message,body}' IS DISTINCT FROM 'poison')"),
    );
    const ben = await appSocket(app.url, 'ox-ben');
    const seen = collect<MessageEventPayload>(ben, 'messages:new');
    try {
      const refused = await http(app.url, 'POST', `/api/conversations/${conversationId}/messages`, { token: token('ox-ann'), body: { body: 'poison' } });
      expect(refused.status).toBeGreaterThanOrEqual(500);
      const fine = await http(app.url, 'POST', `/api/conversations/${conversationId}/messages`, { token: token('ox-ann'), body: { body: 'fine' } });
      expect(fine.status).toBe(201);
      await eventually(() => seen.length >= 1);
      await sleep(300);
      expect(seen.map((e) => e.message.body)).toEqual(['fine']);
      const messages = await http<{ items: Array<{ body: string }> }>(app.url, 'GET', `/api/conversations/${conversationId}/messages`, {
        token: token('ox-ann'),
      });
      expect(messages.body.items.map((m) => m.body)).toEqual(['fine']);
      await withDb(app.databaseUrl, async (db) => {
        expect(await count(db, "SELECT count(*) AS n FROM events WHERE event = 'messages:new'")).toBe(1);
        expect(await count(db, 'SELECT count(*) AS n FROM event_outbox_runs')).toBe(0);
      });
    } finally {
      ben.close();
    }
  });
});
