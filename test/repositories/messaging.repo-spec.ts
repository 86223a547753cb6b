/**
 * MessagingRepository against a real PostgreSQL database.
 */
import { MessagingRepository } from '../../src/modules/messaging/messaging.repository';
import { contend, openRepositoryDatabase, settle, type RepositoryDatabase } from '../support/repository';

/** Where message events are logged: the app namespace, the conversation's room. */
const NAMESPACE = '/ws/app';
const room = (conversationId: string) => `conversation:${conversationId}`;

let db: RepositoryDatabase;
let repo: MessagingRepository;
let userNo = 0;
const newUser = () => `user-${++userNo}`;

beforeAll(async () => {
  db = await openRepositoryDatabase('messaging');
  repo = new MessagingRepository(db.prisma);
});
afterAll(() => db.close());

const send = (conversationId: string, senderId: string, body: string, clientMessageId?: string) =>
  db.uow.run((tx) => repo.addMessage(tx, conversationId, senderId, body, clientMessageId));

let seq = 1_000;
/** Logs an event behind the repository's back, as the event log would have. */
async function logEvent(rooms: string[], payload: unknown, createdAt = new Date()): Promise<string> {
  const s = String(++seq);
  await db.sql(`INSERT INTO events (seq, namespace, event, payload, created_at, rooms) VALUES ($1, $2, 'message:new', $3, $4, $5)`, [s, NAMESPACE, JSON.stringify(payload), createdAt, rooms]);
  for (const r of rooms) await db.sql(`INSERT INTO event_room_runs (namespace, room, last_seq, event_count, seqs) VALUES ($1, $2, $3, 1, ARRAY[$3::bigint])`, [NAMESPACE, r, s]);
  return s;
}
const loggedBody = async (s: string) => (await db.sql<{ body: unknown }>(`SELECT payload #> '{message,body}' AS body FROM events WHERE seq = $1`, [s]))[0].body;

describe('MessagingRepository', () => {
  it('creates a conversation with its participants and answers membership from the stored rows', async () => {
    const [alice, bob, carol] = [newUser(), newUser(), newUser()];
    const created = await repo.createConversation(alice, 'Plans', [carol, alice, bob]);
    expect(created).toMatchObject({ title: 'Plans', createdBy: alice, lastMessageAt: null });
    expect(created.participants.map((p) => p.userId)).toEqual([alice, bob, carol].sort());

    const stored = await db.sql<{ user_id: string }>(`SELECT user_id FROM conversation_participants WHERE conversation_id = $1 ORDER BY user_id`, [created.id]);
    expect(stored.map((r) => r.user_id)).toEqual([alice, bob, carol].sort());
    expect(await repo.participants(created.id)).toEqual([alice, bob, carol].sort());
    expect(await repo.participants('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(await repo.isParticipant(created.id, bob)).toBe(true);
    expect(await repo.isParticipant(created.id, newUser())).toBe(false);

    const untitled = await repo.createConversation(bob, undefined, [bob]);
    expect((await db.sql(`SELECT title FROM conversations WHERE id = $1`, [untitled.id]))[0]).toEqual({ title: null });
  });

  it('lists a user’s conversations by latest activity, those without messages last', async () => {
    const me = newUser();
    const quiet = await repo.createConversation(me, 'quiet', [me]);
    const older = await repo.createConversation(me, 'older', [me]);
    const newer = await repo.createConversation(me, 'newer', [me]);
    await repo.createConversation(newUser(), 'not mine', []);
    await send(newer.id, me, 'hi');
    await send(older.id, me, 'hi');
    await db.sql(`UPDATE conversations SET last_message_at = '2026-01-01T00:00:00Z' WHERE id = $1`, [older.id]);
    await db.sql(`UPDATE conversations SET last_message_at = '2026-02-01T00:00:00Z' WHERE id = $1`, [newer.id]);

    expect((await repo.listConversations(me, 10)).map((c) => c.title)).toEqual(['newer', 'older', 'quiet']);
    expect((await repo.listConversations(me, 2)).map((c) => c.title)).toEqual(['newer', 'older']);
    expect(quiet.lastMessageAt).toBeNull();
  });

  it('stores a message and moves the conversation’s activity time to it', async () => {
    const alice = newUser();
    const c = await repo.createConversation(alice, undefined, [alice]);
    const { row, created } = await send(c.id, alice, 'hello');
    expect(created).toBe(true);
    const [stored] = await db.sql(`SELECT conversation_id, sender_id, body, status, client_message_id, created_at FROM messages WHERE id = $1`, [row.id]);
    expect(stored).toEqual({ conversation_id: c.id, sender_id: alice, body: 'hello', status: 'sent', client_message_id: null, created_at: row.createdAt });
    const [conversation] = await db.sql<{ last_message_at: Date }>(`SELECT last_message_at FROM conversations WHERE id = $1`, [c.id]);
    expect(conversation.last_message_at).toEqual(row.createdAt);

    expect(await repo.findMessage(c.id, row.id)).toEqual(row);
    const elsewhere = await repo.createConversation(alice, undefined, [alice]);
    expect(await repo.findMessage(elsewhere.id, row.id)).toBeNull(); // a message id from another conversation is not found
  });

  it('a client message id already used by the sender returns the stored message; other senders and conversations are separate', async () => {
    const [alice, bob] = [newUser(), newUser()];
    const c = await repo.createConversation(alice, undefined, [alice, bob]);
    const first = await send(c.id, alice, 'first', 'cm-1');
    const retry = await send(c.id, alice, 'retried body', 'cm-1');
    expect(retry).toEqual({ row: first.row, created: false });
    expect((await send(c.id, bob, 'bob', 'cm-1')).created).toBe(true);
    const other = await repo.createConversation(alice, undefined, [alice]);
    expect((await send(other.id, alice, 'other', 'cm-1')).created).toBe(true);
    const rows = await db.sql<{ sender_id: string; body: string }>(`SELECT sender_id, body FROM messages WHERE conversation_id = $1 ORDER BY body`, [c.id]);
    expect(rows).toEqual([
      { sender_id: bob, body: 'bob' },
      { sender_id: alice, body: 'first' },
    ]);
    // Without a client id every send is a new message.
    await send(c.id, alice, 'same');
    await send(c.id, alice, 'same');
    expect(await db.sql(`SELECT 1 FROM messages WHERE conversation_id = $1 AND body = 'same'`, [c.id])).toHaveLength(2);
  });

  it('two racing retries with one client message id store one message and both return it', async () => {
    const alice = newUser();
    const c = await repo.createConversation(alice, undefined, [alice]);
    const [won, lost] = await contend(
      db,
      (hold) =>
        db.uow.run(async (tx) => {
          const result = await repo.addMessage(tx, c.id, alice, 'one', 'cm-race');
          await hold();
          return result;
        }),
      () => send(c.id, alice, 'two', 'cm-race'),
    );
    if (!lost.ok) throw lost.error;
    expect(won.created).toBe(true);
    expect(lost.value).toEqual({ row: won.row, created: false });
    expect(await db.sql(`SELECT body FROM messages WHERE conversation_id = $1`, [c.id])).toEqual([{ body: 'one' }]);
  });

  it('a message rolled back with its transaction leaves no message and no activity time', async () => {
    const alice = newUser();
    const c = await repo.createConversation(alice, undefined, [alice]);
    const outcome = await settle(
      db.uow.run(async (tx) => {
        await repo.addMessage(tx, c.id, alice, 'lost');
        throw new Error('storing the event failed');
      }),
    );
    expect(outcome.ok).toBe(false);
    expect(await db.sql(`SELECT 1 FROM messages WHERE conversation_id = $1`, [c.id])).toHaveLength(0);
    expect((await db.sql(`SELECT last_message_at FROM conversations WHERE id = $1`, [c.id]))[0]).toEqual({ last_message_at: null });
  });

  it('an edit replaces the body everywhere it was logged for the conversation, and nowhere else', async () => {
    const alice = newUser();
    const c = await repo.createConversation(alice, undefined, [alice]);
    const { row } = await send(c.id, alice, 'secret draft');
    const inRoom = await logEvent([room(c.id), `user:${alice}`], { message: { id: row.id, body: 'secret draft' } });
    const otherMessage = await logEvent([room(c.id)], { message: { id: 'someone-else', body: 'untouched' } });
    const otherRoom = await logEvent(['conversation:elsewhere'], { message: { id: row.id, body: 'secret draft' } });
    const tooOld = await logEvent([room(c.id)], { message: { id: row.id, body: 'secret draft' } }, new Date(row.createdAt.getTime() - 3_600_000));

    const at = new Date('2026-04-04T04:04:04.000Z');
    const edited = await db.uow.run((tx) => repo.editMessage(tx, c.id, row.id, 'final', at));
    expect(edited).toMatchObject({ id: row.id, body: 'final', status: 'edited', editedAt: at });
    expect((await db.sql(`SELECT body, status, edited_at, edit_version FROM messages WHERE id = $1`, [row.id]))[0]).toEqual({ body: 'final', status: 'edited', edited_at: at, edit_version: 1 });
    expect(await loggedBody(inRoom)).toBe('final');
    expect(await loggedBody(otherMessage)).toBe('untouched');
    expect(await loggedBody(otherRoom)).toBe('secret draft'); // not this conversation's log
    expect(await loggedBody(tooOld)).toBe('secret draft'); // logged before the message existed: outside the scan

    // Every edit counts (its events are keyed by the count).
    await db.uow.run((tx) => repo.editMessage(tx, c.id, row.id, 'final', at));
    expect((await db.sql(`SELECT edit_version FROM messages WHERE id = $1`, [row.id]))[0]).toEqual({ edit_version: 2 });

    // A publish that was already on its way when the edit committed is brought in line afterwards.
    const late = await logEvent([room(c.id)], { message: { id: row.id, body: 'secret draft' } });
    expect(await repo.resyncLoggedBodies(c.id, row.id)).toBe(1);
    expect(await loggedBody(late)).toBe('final');
    expect(await repo.resyncLoggedBodies(c.id, row.id)).toBe(0); // nothing left to change
  });

  it('a resync that starts while a delete is in flight waits for it and leaves no body behind', async () => {
    const alice = newUser();
    const c = await repo.createConversation(alice, undefined, [alice]);
    const { row } = await send(c.id, alice, 'edited body');
    const logged = await logEvent([room(c.id)], { message: { id: row.id, body: 'edited body' } });
    let deleteHolds!: () => void;
    const holding = new Promise<void>((resolve) => (deleteHolds = resolve));
    let commitDelete!: () => void;
    const deleting = db.uow.run(async (tx) => {
      await repo.softDeleteMessage(tx, c.id, row.id, alice, new Date());
      deleteHolds();
      await new Promise<void>((resolve) => (commitDelete = resolve));
    });
    await holding;
    // The delete has updated the row and scrubbed the log in its transaction, not committed yet.
    let resynced: number | undefined;
    const resync = repo.resyncLoggedBodies(c.id, row.id).then((n) => (resynced = n));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(resynced).toBeUndefined(); // waiting for the delete's lock on the message
    commitDelete();
    await deleting;
    await resync;
    // It read the body after the delete (none) and wrote nothing the delete had removed.
    expect(resynced).toBe(0);
    expect(await loggedBody(logged)).toBeNull();
  });

  it('an edit rolled back leaves the body and the log as they were', async () => {
    const alice = newUser();
    const c = await repo.createConversation(alice, undefined, [alice]);
    const { row } = await send(c.id, alice, 'v1');
    const logged = await logEvent([room(c.id)], { message: { id: row.id, body: 'v1' } });
    const outcome = await settle(
      db.uow.run(async (tx) => {
        await repo.editMessage(tx, c.id, row.id, 'v2', new Date());
        throw new Error('storing the edit event failed');
      }),
    );
    expect(outcome.ok).toBe(false);
    expect((await db.sql(`SELECT body, status FROM messages WHERE id = $1`, [row.id]))[0]).toEqual({ body: 'v1', status: 'sent' });
    expect(await loggedBody(logged)).toBe('v1');
  });

  it('a soft delete removes the body from the row and the log, keeps the row, and keeps its first deletion', async () => {
    const [alice, bob] = [newUser(), newUser()];
    const c = await repo.createConversation(alice, undefined, [alice, bob]);
    const { row } = await send(c.id, alice, 'oops');
    const logged = await logEvent([room(c.id)], { message: { id: row.id, body: 'oops' } });

    const at = new Date('2026-05-05T05:05:05.000Z');
    const first = await db.uow.run((tx) => repo.softDeleteMessage(tx, c.id, row.id, alice, at));
    expect(first.deletedNow).toBe(true);
    expect((await db.sql(`SELECT body, status, deleted_at, deleted_by FROM messages WHERE id = $1`, [row.id]))[0]).toEqual({
      body: null,
      status: 'deleted',
      deleted_at: at,
      deleted_by: alice,
    });
    expect(await loggedBody(logged)).toBeNull();

    const second = await db.uow.run((tx) => repo.softDeleteMessage(tx, c.id, row.id, bob, new Date()));
    expect(second.deletedNow).toBe(false);
    expect(second.row).toMatchObject({ deletedBy: alice, deletedAt: at });
    expect(await db.uow.run((tx) => repo.editMessage(tx, c.id, row.id, 'revived', new Date()))).toBeUndefined();
    expect((await db.sql(`SELECT body FROM messages WHERE id = $1`, [row.id]))[0]).toEqual({ body: null });
    expect(await db.uow.run((tx) => repo.softDeleteMessage(tx, c.id, '00000000-0000-0000-0000-000000000000', alice, at))).toEqual({ row: null, deletedNow: false });
  });

  it('pages messages newest first on (createdAt, id): equal timestamps are neither skipped nor repeated', async () => {
    const alice = newUser();
    const c = await repo.createConversation(alice, undefined, [alice]);
    for (let i = 0; i < 7; i++) await send(c.id, alice, `m${i}`);
    await db.sql(`UPDATE messages SET created_at = '2026-01-01T00:00:00.000Z' WHERE conversation_id = $1 AND body NOT IN ('m0', 'm6')`, [c.id]);
    await db.sql(`UPDATE messages SET created_at = '2025-12-31T00:00:00.000Z' WHERE conversation_id = $1 AND body = 'm0'`, [c.id]);
    const expected = (await db.sql<{ id: string }>(`SELECT id FROM messages WHERE conversation_id = $1 ORDER BY created_at DESC, id DESC`, [c.id])).map((r) => r.id);

    const seen: string[] = [];
    let before: { id: string; createdAt: Date } | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await repo.listMessages(c.id, 3, before);
      seen.push(...page.map((m) => m.id));
      if (page.length < 3) break;
      before = page[page.length - 1];
    }
    expect(seen).toEqual(expected);
    expect(expected).toHaveLength(7);
  });

  it('deleting a conversation deletes its participants and messages', async () => {
    const alice = newUser();
    const c = await repo.createConversation(alice, undefined, [alice]);
    await send(c.id, alice, 'bye');
    await db.sql(`DELETE FROM conversations WHERE id = $1`, [c.id]);
    expect(await repo.participants(c.id)).toBeUndefined();
    expect(await repo.listMessages(c.id, 10, undefined)).toEqual([]);
    expect(await db.sql(`SELECT 1 FROM conversation_participants WHERE conversation_id = $1`, [c.id])).toHaveLength(0);
  });
});
