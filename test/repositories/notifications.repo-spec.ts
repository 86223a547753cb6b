/**
 * NotificationsRepository and NotificationWebhookRepository against a real PostgreSQL database.
 */
import { Client } from 'pg';
import { NotificationWebhookRepository } from '../../src/modules/notifications/notification-webhook.repository';
import { readMigrations } from '../../src/core/prisma/migrator';
import { NotificationsRepository, type NewNotification, type NotificationRow } from '../../src/modules/notifications/notifications.repository';
import { createTestDatabase, dropTestDatabase } from '../support/database';
import { openRepositoryDatabase, settle, type RepositoryDatabase } from '../support/repository';

let db: RepositoryDatabase;
let notifications: NotificationsRepository;
let webhooks: NotificationWebhookRepository;
let userNo = 0;
const newUser = () => `user-${++userNo}`;

const notification = (userId: string, overrides: Partial<NewNotification> = {}): NewNotification => ({
  userId,
  eventKey: 'campaign.invite',
  category: 'campaign',
  title: 'Invited',
  body: 'You were added to a campaign',
  data: { campaignId: 'c1', nested: [1, 2] },
  priority: 'high',
  dedupeKey: undefined,
  webhookTarget: undefined,
  ...overrides,
});

beforeAll(async () => {
  db = await openRepositoryDatabase('notifications');
  notifications = new NotificationsRepository(db.prisma);
  webhooks = new NotificationWebhookRepository(db.prisma);
});
afterAll(() => db.close());

/** The rows created (those whose dedupe key the user already had are skipped). */
const create = async (items: NewNotification[]) =>
  (await db.uow.runSql((tx) => notifications.createMany(tx, items))).filter((row): row is NotificationRow => row !== undefined);

interface DeliveryRow {
  id: string;
  notification_id: string;
  target: string;
  status: string;
  attempts: number;
  last_error: string | null;
  lease_until: Date | null;
  next_attempt_at: Date;
  delivered_at: Date | null;
}
const deliveriesOf = (notificationId: string) =>
  db.sql<DeliveryRow>(
    `SELECT id, notification_id, target, status, attempts, last_error, lease_until, next_attempt_at, delivered_at
       FROM notification_webhook_deliveries WHERE notification_id = $1 ORDER BY target`,
    [notificationId],
  );

describe('NotificationsRepository', () => {
  it('stores notifications with their webhook deliveries and reads them back, scoped to their owner', async () => {
    const [alice, bob] = [newUser(), newUser()];
    const created = await create([notification(alice, { webhookTarget: 'discord:abc' }), notification(bob)]);
    expect(created.map((n) => n.userId)).toEqual([alice, bob]);

    const [row] = await db.sql(
      `SELECT user_id, event_key, category, title, body, data, priority, dedupe_key, read_at, acknowledged_at FROM notifications WHERE id = $1`,
      [created[0].id],
    );
    expect(row).toEqual({
      user_id: alice,
      event_key: 'campaign.invite',
      category: 'campaign',
      title: 'Invited',
      body: 'You were added to a campaign',
      data: { campaignId: 'c1', nested: [1, 2] },
      priority: 'high',
      dedupe_key: null,
      read_at: null,
      acknowledged_at: null,
    });
    expect(await deliveriesOf(created[0].id)).toMatchObject([{ target: 'discord:abc', status: 'pending', attempts: 0 }]);
    expect(await deliveriesOf(created[1].id)).toEqual([]);

    expect(await notifications.find(alice, created[0].id)).toEqual(created[0]);
    expect(await notifications.find(bob, created[0].id)).toBeNull(); // another user's id is simply not found
  });

  it('skips a dedupe key the user already has (and its delivery), per user; without a key nothing is skipped', async () => {
    const [alice, bob] = [newUser(), newUser()];
    const [first] = await create([notification(alice, { dedupeKey: 'invite:1', title: 'first' })]);
    const again = await create([
      notification(alice, { dedupeKey: 'invite:1', title: 'again', webhookTarget: 'discord:abc' }),
      notification(bob, { dedupeKey: 'invite:1', title: 'bob' }),
    ]);
    expect(again.map((n) => [n.userId, n.title])).toEqual([[bob, 'bob']]);
    const stored = await db.sql<{ user_id: string; title: string }>(`SELECT user_id, title FROM notifications WHERE dedupe_key = 'invite:1' ORDER BY user_id`);
    expect(stored).toEqual([
      { user_id: alice, title: 'first' },
      { user_id: bob, title: 'bob' },
    ]);
    expect(await deliveriesOf(first.id)).toEqual([]); // the skipped duplicate wrote no delivery either

    await create([notification(alice)]);
    await create([notification(alice)]);
    expect(await db.sql(`SELECT 1 FROM notifications WHERE user_id = $1 AND dedupe_key IS NULL`, [alice])).toHaveLength(2);

    expect((await notifications.findUnreadByDedupeKey([alice, bob, 'nobody'], 'invite:1')).map((n) => n.userId).sort()).toEqual([alice, bob].sort());
    await notifications.markRead(bob, again[0].id, new Date());
    expect((await notifications.findUnreadByDedupeKey([alice, bob], 'invite:1')).map((n) => n.userId)).toEqual([alice]);
  });

  it('answers per input, in order: nothing where the key was used, each created row as it is stored', async () => {
    const alice = newUser();
    await create([notification(alice, { dedupeKey: 'order:1', title: 'first' })]);
    const rows = await db.uow.runSql((tx) =>
      notifications.createMany(tx, [
        notification(alice, { title: 'a' }),
        notification(alice, { dedupeKey: 'order:1', title: 'skipped', webhookTarget: 'discord:abc' }),
        notification(alice, { title: 'b', webhookTarget: 'discord:abc' }),
      ]),
    );
    expect(rows.map((r) => r?.title)).toEqual(['a', undefined, 'b']);
    for (const row of [rows[0]!, rows[2]!]) expect(await notifications.find(alice, row.id)).toEqual(row);
    expect(await deliveriesOf(rows[2]!.id)).toMatchObject([{ target: 'discord:abc' }]);
  });

  it('a failed transaction stores neither notifications nor deliveries', async () => {
    const alice = newUser();
    const outcome = await settle(
      db.uow.run(async (tx) => {
        await notifications.createMany(tx, [notification(alice, { webhookTarget: 'discord:abc' })]);
        throw new Error('storing the events failed');
      }),
    );
    expect(outcome.ok).toBe(false);
    expect(await db.sql(`SELECT 1 FROM notifications WHERE user_id = $1`, [alice])).toHaveLength(0);
  });

  it('pages newest first on (createdAt, id): equal timestamps are neither skipped nor repeated', async () => {
    const alice = newUser();
    for (let i = 0; i < 7; i++) await create([notification(alice, { title: `n${i}` })]);
    // Five of them share one timestamp, as rows created in one transaction or one millisecond do.
    await db.sql(
      `UPDATE notifications SET created_at = CASE WHEN title IN ('n0', 'n6') THEN created_at ELSE '2026-01-01T00:00:00.000Z' END WHERE user_id = $1`,
      [alice],
    );
    await db.sql(`UPDATE notifications SET created_at = '2025-12-31T00:00:00.000Z' WHERE user_id = $1 AND title = 'n0'`, [alice]);
    const expected = (
      await db.sql<{ id: string }>(`SELECT id FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, [alice])
    ).map((r) => r.id);
    expect(expected).toHaveLength(7);

    const seen: string[] = [];
    let before: { id: string; createdAt: Date } | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await notifications.list(alice, { unreadOnly: false, limit: 2, before });
      seen.push(...page.map((n) => n.id));
      if (page.length < 2) break;
      before = page[page.length - 1];
    }
    expect(seen).toEqual(expected);
    expect((await notifications.list(alice, { unreadOnly: false, limit: 100, before: undefined })).every((n) => n.userId === alice)).toBe(true);

    // Unread only.
    await notifications.markRead(alice, expected[0], new Date());
    await notifications.markRead(alice, expected[3], new Date());
    const unread = await notifications.list(alice, { unreadOnly: true, limit: 100, before: undefined });
    expect(unread.map((n) => n.id)).toEqual(expected.filter((_, i) => i !== 0 && i !== 3));
  });

  it('reads, acknowledges and counts: each change reported once, counts from the stored rows', async () => {
    const [alice, bob, carol] = [newUser(), newUser(), newUser()];
    const rows = await create([notification(alice, { webhookTarget: 'discord:abc' })]);
    await create([notification(alice)]);
    await create([notification(alice)]);
    await create([notification(bob)]);
    const id = rows[0].id;
    const at = new Date('2026-03-01T12:00:00.000Z');

    expect(await notifications.unreadCount(alice)).toBe(3);
    const read = await notifications.markRead(alice, id, at);
    expect(read.changed).toBe(true);
    expect(read.row?.readAt).toEqual(at);
    expect((await notifications.markRead(alice, id, new Date())).changed).toBe(false); // the first read time stays
    expect((await notifications.find(alice, id))?.readAt).toEqual(at);
    expect(await notifications.markRead(bob, id, at)).toEqual({ row: null, changed: false }); // not bob's

    const ack = await notifications.acknowledge(alice, id, new Date('2026-03-01T13:00:00.000Z'));
    expect(ack.readChanged).toBe(false); // it was read already
    expect(ack.row?.acknowledgedAt).toEqual(new Date('2026-03-01T13:00:00.000Z'));
    expect(await deliveriesOf(id)).toMatchObject([{ status: 'skipped', last_error: 'acknowledged before delivery' }]);

    expect(await notifications.markAllRead(alice, at)).toBe(2);
    expect(await notifications.markAllRead(alice, at)).toBe(0);
    expect(await notifications.unreadCount(alice)).toBe(0);
    expect(await notifications.unreadCounts([alice, bob, carol])).toEqual(
      new Map([
        [alice, 0],
        [bob, 1],
        [carol, 0],
      ]),
    );
  });

  it('acknowledging an unread notification reads it too', async () => {
    const alice = newUser();
    const [row] = await create([notification(alice)]);
    const ack = await notifications.acknowledge(alice, row.id, new Date());
    expect(ack.readChanged).toBe(true);
    const [stored] = await db.sql<{ read: boolean; acked: boolean }>(
      `SELECT read_at IS NOT NULL AS read, acknowledged_at IS NOT NULL AS acked FROM notifications WHERE id = $1`,
      [row.id],
    );
    expect(stored).toEqual({ read: true, acked: true });
    expect(await notifications.acknowledge(newUser(), row.id, new Date())).toEqual({ row: null, readChanged: false });
  });
});

describe('unread counts kept by the database (notification_unread_counts)', () => {
  /** What the counters must always equal: the unread rows, counted. */
  const countedFromRows = async (users: string[]) => {
    const rows = await db.sql<{ user_id: string; n: string }>(
      'SELECT user_id, count(*)::text AS n FROM notifications WHERE read_at IS NULL AND user_id = ANY($1::text[]) GROUP BY user_id',
      [users],
    );
    return new Map(users.map((u) => [u, Number(rows.find((r) => r.user_id === u)?.n ?? 0)]));
  };
  const expectKept = async (users: string[]) => expect(await notifications.unreadCounts(users)).toEqual(await countedFromRows(users));

  /** Connections of their own, with their backend pids (the counters' shard is pid mod 16). */
  const connections: Client[] = [];
  const connect = async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    connections.push(client);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return { client, shard: rows[0].pid % 16 };
  };
  const insertFor = (client: Client, users: string[]) =>
    client.query(
      `INSERT INTO notifications (id, user_id, event_key, category, title, body, priority)
       SELECT gen_random_uuid()::text, u, 'k', 'c', 't', 'b', 'medium' FROM unnest($1::text[]) AS u`,
      [users],
    );
  afterAll(() => Promise.all(connections.splice(0).map((c) => c.end())));

  it('move with every write: batch insert, read, read-all, acknowledge, unread again, delete, equal to the rows counted', async () => {
    const [alice, bob, carol] = [newUser(), newUser(), newUser()];
    const users = [alice, bob, carol];
    const rows = await create([notification(alice), notification(bob), notification(alice), notification(alice), notification(bob)]);
    await expectKept(users);
    expect(await notifications.unreadCounts(users)).toEqual(new Map([[alice, 3], [bob, 2], [carol, 0]])); // prettier-ignore
    await notifications.markRead(alice, rows[0].id, new Date());
    await notifications.acknowledge(bob, rows[1].id, new Date());
    await notifications.acknowledge(bob, rows[1].id, new Date()); // no change the second time
    await expectKept(users);
    await notifications.markAllRead(alice, new Date());
    await expectKept(users);
    await db.sql('UPDATE notifications SET read_at = NULL WHERE id = $1', [rows[2].id]); // unread again
    await db.sql("UPDATE notifications SET title = 'renamed' WHERE user_id = $1", [alice]); // no read state changed
    await expectKept(users);
    await db.sql('DELETE FROM notifications WHERE user_id = $1', [bob]);
    await expectKept(users);
    expect(await notifications.unreadCounts(users)).toEqual(new Map([[alice, 1], [bob, 0], [carol, 0]])); // prettier-ignore
  });

  it('are not moved by a transaction that rolls back', async () => {
    const alice = newUser();
    await create([notification(alice)]);
    const failed = await settle(
      db.uow.runSql(async (tx) => {
        await notifications.createMany(tx, [notification(alice), notification(alice)]);
        throw new Error('rolled back');
      }),
    );
    expect(failed.ok).toBe(false);
    expect(await notifications.unreadCount(alice)).toBe(1);
  });

  it('two open transactions for the same users on different shards do not wait for each other', async () => {
    const first = await connect();
    let second = await connect();
    while (second.shard === first.shard) second = await connect();
    const [alice, bob] = [newUser(), newUser()];
    await first.client.query('BEGIN');
    await second.client.query('BEGIN');
    await insertFor(first.client, [bob, alice]);
    await first.client.query("SET lock_timeout = '2s'");
    await second.client.query("SET lock_timeout = '2s'");
    await insertFor(second.client, [alice, bob, alice]); // would fail on lock_timeout if it waited for the first
    await Promise.all([first.client.query('COMMIT'), second.client.query('COMMIT')]);
    expect(await notifications.unreadCounts([alice, bob])).toEqual(new Map([[alice, 3], [bob, 2]])); // prettier-ignore
  });

  it('two transactions on the same shard wait for each other in user order, never deadlock, and both count', async () => {
    // 17 connections hold at least two on the same shard.
    const byShard = new Map<number, Client>();
    let pair: [Client, Client] | undefined;
    while (!pair) {
      const { client, shard } = await connect();
      const other = byShard.get(shard);
      if (other) pair = [other, client];
      else byShard.set(shard, client);
    }
    const [first, second] = pair;
    const [alice, bob, carol] = [newUser(), newUser(), newUser()];
    await first.query('BEGIN');
    await second.query('BEGIN');
    await insertFor(first, [carol, alice, bob]);
    let inserted = false;
    const waiting = insertFor(second, [bob, carol, alice]).then(() => (inserted = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inserted).toBe(false); // waiting for the first's counter rows
    await first.query('COMMIT');
    await waiting;
    await second.query('COMMIT');
    await expectKept([alice, bob, carol]);
    expect(await notifications.unreadCounts([alice, bob, carol])).toEqual(new Map([[alice, 2], [bob, 2], [carol, 2]])); // prettier-ignore
  });

  it('are backfilled by their migration without missing a write that was in flight (a rolling update)', async () => {
    const url = await createTestDatabase('repo_unread_migration');
    const [writer, migrator] = [new Client({ connectionString: url }), new Client({ connectionString: url })];
    try {
      await Promise.all([writer.connect(), migrator.connect()]);
      const migrations = readMigrations();
      const counters = migrations.findIndex((m) => m.name.endsWith('_notification_unread_counts'));
      for (const m of migrations.slice(0, counters)) await migrator.query(m.sql);
      await insertFor(migrator, ['early', 'early']);
      // An instance of the previous version is mid-transaction when the migration starts.
      await writer.query('BEGIN');
      await insertFor(writer, ['in-flight', 'in-flight', 'early']);
      let migrated = false;
      const migrating = migrator.query(migrations[counters].sql).then(() => (migrated = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(migrated).toBe(false); // waiting for the writer
      await writer.query('COMMIT');
      await migrating;
      const { rows } = await migrator.query<{ user_id: string; unread: number }>(
        'SELECT user_id, sum(unread)::int AS unread FROM notification_unread_counts GROUP BY user_id ORDER BY user_id',
      );
      expect(rows).toEqual([
        { user_id: 'early', unread: 3 },
        { user_id: 'in-flight', unread: 2 },
      ]);
    } finally {
      await Promise.all([writer.end(), migrator.end()]);
      await dropTestDatabase(url);
    }
  });

  it('are emptied with the table by TRUNCATE', async () => {
    await create([notification(newUser())]);
    const { client } = await connect();
    await client.query('BEGIN');
    await client.query('TRUNCATE notifications CASCADE');
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_unread_counts');
    await client.query('ROLLBACK'); // the other tests' rows stay
    expect(rows).toEqual([{ n: 0 }]);
  });
});

describe('NotificationWebhookRepository', () => {
  /** Clears the deliveries of earlier tests so each test sees only its own. */
  beforeEach(() => db.sql(`DELETE FROM notification_webhook_deliveries`));

  const withDelivery = async (overrides: Partial<NewNotification> = {}) => {
    const [row] = await create([notification(newUser(), { webhookTarget: 'discord:abc', ...overrides })]);
    const [delivery] = await deliveriesOf(row.id);
    return { notification: row, delivery };
  };
  const setDue = (deliveryId: string, at: string) => db.sql(`UPDATE notification_webhook_deliveries SET next_attempt_at = $2 WHERE id = $1`, [deliveryId, at]);

  it('claims due deliveries oldest first up to the limit, with their notification, and leases them', async () => {
    const a = await withDelivery({ title: 'a' });
    const b = await withDelivery({ title: 'b' });
    const c = await withDelivery({ title: 'c' });
    const notYet = await withDelivery({ title: 'not yet' });
    await setDue(a.delivery.id, '2026-01-01T00:00:02Z');
    await setDue(b.delivery.id, '2026-01-01T00:00:01Z');
    await setDue(c.delivery.id, '2026-01-01T00:00:03Z');
    await setDue(notYet.delivery.id, '2027-01-01T00:00:00Z');
    const now = new Date('2026-06-01T00:00:00Z');
    const lease = new Date('2026-06-01T00:01:00Z');

    const claimed = await webhooks.claimDue(now, lease, 2);
    expect(claimed.map((d) => [d.notification.title, d.target, d.attempts])).toEqual([
      ['b', 'discord:abc', 0],
      ['a', 'discord:abc', 0],
    ]);
    expect(claimed[0].notification).toEqual(b.notification);
    expect(await deliveriesOf(b.notification.id)).toMatchObject([{ status: 'delivering', lease_until: lease }]);
    expect((await webhooks.claimDue(now, lease, 10)).map((d) => d.notification.title)).toEqual(['c']);
    expect(await webhooks.claimDue(now, lease, 10)).toEqual([]);
    expect(await webhooks.nextDue()).toEqual(new Date('2027-01-01T00:00:00Z'));
  });

  it('skips deliveries another claimer has locked, and those of acknowledged notifications', async () => {
    const locked = await withDelivery({ title: 'locked' });
    const free = await withDelivery({ title: 'free' });
    const acked = await withDelivery({ title: 'acked' });
    await db.sql(`UPDATE notifications SET acknowledged_at = now() WHERE id = $1`, [acked.notification.id]);

    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT id FROM notification_webhook_deliveries WHERE id = $1 FOR UPDATE', [locked.delivery.id]);
      const claimed = await webhooks.claimDue(new Date(Date.now() + 1000), new Date(Date.now() + 60_000), 10);
      expect(claimed.map((d) => d.notification.title)).toEqual(['free']);
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
    expect((await deliveriesOf(locked.notification.id))[0].status).toBe('pending');
    expect((await deliveriesOf(free.notification.id))[0].status).toBe('delivering');

    expect(await webhooks.skipAcknowledged()).toBe(1);
    expect(await deliveriesOf(acked.notification.id)).toMatchObject([{ status: 'skipped', last_error: 'acknowledged before delivery' }]);
    expect(await webhooks.skipAcknowledged()).toBe(0);
  });

  it('two claimers running at once never get the same delivery', async () => {
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) => withDelivery({ title: `d${i}` })));
    const due = new Date(Date.now() + 1000);
    const lease = new Date(Date.now() + 60_000);
    const [one, two] = await Promise.all([webhooks.claimDue(due, lease, 8), webhooks.claimDue(due, lease, 8)]);
    const ids = [...one, ...two].map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length); // disjoint
    expect([...ids].sort()).toEqual(made.map((m) => m.delivery.id).sort()); // and together all of them (8 + 8 ≥ 12)
    const [{ n }] = await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM notification_webhook_deliveries WHERE status = 'delivering'`);
    expect(n).toBe(12);
  });

  it('records an attempt only while the claim is ours; an expired lease closes the delivery as failed', async () => {
    const ok = await withDelivery({ title: 'ok' });
    const retry = await withDelivery({ title: 'retry' });
    const broken = await withDelivery({ title: 'broken' });
    const lost = await withDelivery({ title: 'lost' });
    const now = new Date(Date.now() + 1000);
    await webhooks.claimDue(now, new Date(now.getTime() + 60_000), 10);

    const deliveredAt = new Date('2026-05-05T05:05:05.000Z');
    await webhooks.delivered(ok.delivery.id, deliveredAt);
    const retryAt = new Date('2030-01-01T00:00:00.000Z');
    await webhooks.retryAt(retry.delivery.id, retryAt, 'HTTP 500');
    await webhooks.failed(broken.delivery.id, 'HTTP 404');
    expect(await deliveriesOf(ok.notification.id)).toMatchObject([{ status: 'delivered', attempts: 1, delivered_at: deliveredAt, lease_until: null, last_error: null }]);
    expect(await deliveriesOf(retry.notification.id)).toMatchObject([{ status: 'pending', attempts: 1, next_attempt_at: retryAt, last_error: 'HTTP 500' }]);
    expect(await deliveriesOf(broken.notification.id)).toMatchObject([{ status: 'failed', attempts: 1, last_error: 'HTTP 404' }]);

    // A second report for a delivery no longer claimed changes nothing.
    await webhooks.failed(ok.delivery.id, 'late');
    expect(await deliveriesOf(ok.notification.id)).toMatchObject([{ status: 'delivered', attempts: 1 }]);

    // The claimer of `lost` died: once its lease has run out, the delivery is closed, not retried.
    await db.sql(`UPDATE notification_webhook_deliveries SET lease_until = now() - interval '1 second' WHERE id = $1`, [lost.delivery.id]);
    expect(await webhooks.expireLeases(new Date())).toBe(1);
    expect(await deliveriesOf(lost.notification.id)).toMatchObject([{ status: 'failed', attempts: 1, lease_until: null }]);
    expect((await deliveriesOf(lost.notification.id))[0].last_error).toMatch(/interrupted/);
    await webhooks.delivered(lost.delivery.id, new Date()); // the late claimer's report is ignored
    expect(await deliveriesOf(lost.notification.id)).toMatchObject([{ status: 'failed', attempts: 1, delivered_at: null }]);
    expect(await webhooks.nextDue()).toEqual(retryAt);
  });

  it('renews only leases still held, and hands unattempted claims back', async () => {
    const held = await withDelivery({ title: 'held' });
    const expired = await withDelivery({ title: 'expired' });
    const now = new Date(Date.now() + 1000);
    await webhooks.claimDue(now, new Date(now.getTime() + 60_000), 10);
    await db.sql(`UPDATE notification_webhook_deliveries SET lease_until = now() - interval '1 second' WHERE id = $1`, [expired.delivery.id]);
    await webhooks.expireLeases(new Date());

    const renewedUntil = new Date('2031-01-01T00:00:00.000Z');
    const stillHeld = await webhooks.renewLeases([held.delivery.id, expired.delivery.id], renewedUntil);
    expect([...stillHeld]).toEqual([held.delivery.id]);
    expect((await deliveriesOf(held.notification.id))[0].lease_until).toEqual(renewedUntil);
    expect(await webhooks.renewLeases([], renewedUntil)).toEqual(new Set());

    const later = new Date('2032-01-01T00:00:00.000Z');
    await webhooks.release([held.delivery.id, expired.delivery.id], later);
    expect(await deliveriesOf(held.notification.id)).toMatchObject([{ status: 'pending', lease_until: null, next_attempt_at: later, attempts: 0 }]);
    expect(await deliveriesOf(expired.notification.id)).toMatchObject([{ status: 'failed' }]); // not ours to hand back
  });

  it('deleting a notification deletes its deliveries', async () => {
    const { notification: n } = await withDelivery();
    await db.sql(`DELETE FROM notifications WHERE id = $1`, [n.id]);
    expect(await deliveriesOf(n.id)).toEqual([]);
    expect(await webhooks.nextDue()).toBeUndefined();
  });
});
