/**
 * Messaging on /ws/app and /api/conversations (the app client's flows): membership,
 * message events reaching every participant once, author-only edits, soft deletes,
 * history paging, replay on join, typing relay, and delivery across two instances.
 */
import type { Socket } from 'socket.io-client';
import { MetricsService } from '../../src/core/observability';
import { startTestApp, type TestApp } from '../support/app';
import { collect, emitAck, eventually, http, sleep, waitFor } from '../support/clients';
import { appSocket } from '../support/notifications-app-socket';
import { adminToken, token } from '../support/tokens';

interface MessageDto {
  id: string;
  conversationId: string;
  senderId: string;
  body: string | null;
  status: 'sent' | 'edited' | 'deleted';
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  clientMessageId: string | null;
}
interface MessageEvent {
  conversationId: string;
  message: MessageDto;
  senderId: string;
  recipients: string[];
  offset: string;
}
interface ConversationDto {
  id: string;
  title: string | null;
  createdBy: string;
  participantIds: string[];
  createdAt: string;
  lastMessageAt: string | null;
}
interface JoinAck {
  success: boolean;
  message?: string;
  error?: string;
  code?: string;
  replayed?: number;
}

const MESSAGE_EVENTS = ['messages:new', 'messages:updated', 'messages:deleted'] as const;

/** Every message event a socket receives, in order, tagged with its name. */
function messageLog(socket: Socket): Array<{ event: string; payload: MessageEvent }> {
  const log: Array<{ event: string; payload: MessageEvent }> = [];
  socket.onAny((event: string, payload: MessageEvent) => {
    if ((MESSAGE_EVENTS as readonly string[]).includes(event)) log.push({ event, payload });
  });
  return log;
}

describe('messaging (/ws/app + /api/conversations)', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(() => app?.close());

  async function open(user: string, roles?: string[]): Promise<Socket> {
    const s = await appSocket(app.url, user, { roles });
    sockets.push(s);
    return s;
  }

  async function conversation(creator: string, participantIds: string[], title?: string): Promise<ConversationDto> {
    const res = await http<ConversationDto>(app.url, 'POST', '/api/conversations', { token: token(creator), body: { participantIds, title } });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function post(user: string, conversationId: string, body: string): Promise<MessageDto> {
    const res = await http<MessageDto>(app.url, 'POST', `/api/conversations/${conversationId}/messages`, { token: token(user), body: { body } });
    expect(res.status).toBe(201);
    return res.body;
  }

  const join = (s: Socket, conversationId: string, since?: string) => emitAck<JoinAck>(s, 'conversations:join', { conversationId, since });

  it('creates conversations with the caller as a participant and lists only the caller’s', async () => {
    const created = await conversation('c-ann', ['c-ben', 'c-ben', 'c-ann'], 'Planning');
    expect(created).toEqual({
      id: expect.any(String),
      title: 'Planning',
      createdBy: 'c-ann',
      participantIds: ['c-ann', 'c-ben'],
      createdAt: expect.any(String),
      lastMessageAt: null,
    });
    const other = await conversation('c-ben', ['c-cat']);
    await post('c-ben', other.id, 'hi cat');

    const bens = await http<{ items: ConversationDto[]; nextBefore: string | null }>(app.url, 'GET', '/api/conversations', { token: token('c-ben') });
    // Most recent activity first: the one with a message leads.
    expect(bens.body.items.map((c) => c.id)).toEqual([other.id, created.id]);
    expect(bens.body.items[0].lastMessageAt).toEqual(expect.any(String));
    const anns = await http<{ items: ConversationDto[]; nextBefore: string | null }>(app.url, 'GET', '/api/conversations', { token: token('c-ann') });
    expect(anns.body.items.map((c) => c.id)).toEqual([created.id]);

    const bad: Array<[unknown, string]> = [
      [{ participantIds: [] }, 'participantIds'],
      [{ participantIds: ['c-ann'] }, 'participantIds'],
      [{ participantIds: ['a b'] }, 'participantIds.0'],
      [{ participantIds: 'c-ben' }, 'participantIds'],
      [{ participantIds: ['c-ben'], title: 42 }, 'title'],
    ];
    for (const [body, field] of bad) {
      const res = await http<{ message: string }>(app.url, 'POST', '/api/conversations', { token: token('c-ann'), body });
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.message).toContain(field);
    }
    expect((await http(app.url, 'POST', '/api/conversations', { body: { participantIds: ['x'] } })).status).toBe(401);
  });

  it('pages the conversation list with before: active ones first, then never-used ones, none skipped or repeated', async () => {
    const quiet = [await conversation('p-pia', ['p-quin']), await conversation('p-pia', ['p-rex'])];
    const busy = [await conversation('p-pia', ['p-sal']), await conversation('p-pia', ['p-tom']), await conversation('p-pia', ['p-uma'])];
    for (const c of busy) await post('p-pia', c.id, 'hi');
    await conversation('p-quin', ['p-rex']); // not hers
    const list = (query: string, user = 'p-pia') =>
      http<{ items: ConversationDto[]; nextBefore: string | null }>(app.url, 'GET', `/api/conversations${query}`, { token: token(user) });

    const expected = [...busy].reverse().concat([...quiet].reverse()).map((c) => c.id);
    expect((await list('')).body).toEqual({ items: expected.map((id) => expect.objectContaining({ id })), nextBefore: null });
    const seen: string[] = [];
    let query = '?limit=2';
    for (let pages = 0; pages < 5; pages++) {
      const page = await list(query);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((c) => c.id));
      if (page.body.nextBefore === null) break;
      expect(page.body.nextBefore).toBe(page.body.items[page.body.items.length - 1].id);
      query = `?limit=2&before=${page.body.nextBefore}`;
    }
    // The page boundary falls between the active and the never-used ones, and within each.
    expect(seen).toEqual(expected);
    // A cursor must be one of the caller's own conversations.
    expect((await list(`?before=${busy[0].id}`, 'p-quin')).status).toBe(400);
    expect((await list('?limit=0')).status).toBe(400);
  });

  it('a non-member is refused at join, receives nothing, and cannot read or post', async () => {
    const convo = await conversation('z-owner', ['z-friend']);
    const friend = await open('z-friend');
    const intruder = await open('z-intruder');
    const heard = messageLog(intruder);
    const typing = collect(intruder, 'conversations:typing');

    const refused = await join(intruder, convo.id);
    expect(refused).toEqual({ success: false, message: expect.stringContaining('not a member'), error: expect.any(String), code: 'socket_error:forbidden' });
    // An unknown conversation gets the same answer: ids cannot be probed.
    const unknown = await join(intruder, '00000000-0000-4000-8000-000000000000');
    expect(unknown).toMatchObject({ success: false, code: 'socket_error:forbidden' });
    // Without an ack the refusal arrives as an error event.
    const error = waitFor<{ code: string }>(intruder, 'error');
    intruder.emit('conversations:join', { conversationId: convo.id });
    expect(await error).toMatchObject({ code: 'socket_error:forbidden' });
    // Typing needs a joined room.
    expect(await emitAck(intruder, 'conversations:typing', { conversationId: convo.id })).toMatchObject({ success: false, code: 'socket_error:forbidden' });

    expect(await join(friend, convo.id)).toMatchObject({ success: true });
    const friendHeard = messageLog(friend);
    await post('z-owner', convo.id, 'members only');
    expect(await emitAck(friend, 'conversations:typing', { conversationId: convo.id })).toEqual({ success: true, relayed: true });
    await eventually(() => friendHeard.length === 1);
    await sleep(300);
    expect(heard).toEqual([]);
    expect(typing).toEqual([]);

    const asIntruder = { token: token('z-intruder') };
    expect((await http(app.url, 'GET', `/api/conversations/${convo.id}/messages`, asIntruder)).status).toBe(403);
    expect((await http(app.url, 'POST', `/api/conversations/${convo.id}/messages`, { ...asIntruder, body: { body: 'let me in' } })).status).toBe(403);
    expect((await http(app.url, 'GET', `/api/history?channel=conversation:${convo.id}`, asIntruder)).status).toBe(403);
    expect((await http(app.url, 'GET', '/api/conversations/00000000-0000-4000-8000-000000000000/messages', asIntruder)).status).toBe(404);
    const history = await http<{ events: Array<{ event: string }> }>(app.url, 'GET', `/api/history?channel=conversation:${convo.id}`, { token: token('z-friend') });
    expect(history.body.events.map((e) => e.event)).toEqual(['messages:new']);
  });

  it('delivers messages:new to the conversation room and every participant’s room, once per socket', async () => {
    const convo = await conversation('m-amy', ['m-bob', 'm-cy']);
    const amyJoined = await open('m-amy'); // in conversation:<id> and user:m-amy
    const amyOther = await open('m-amy'); // only in user:m-amy
    const bob = await open('m-bob'); // only in user:m-bob
    const cy = await open('m-cy');
    const outsider = await open('m-outsider');
    expect(await join(amyJoined, convo.id)).toMatchObject({ success: true, message: expect.any(String) });
    const logs = [amyJoined, amyOther, bob, cy, outsider].map(messageLog);

    const sent = await post('m-amy', convo.id, 'hello all');
    expect(sent).toEqual({
      id: expect.any(String),
      conversationId: convo.id,
      senderId: 'm-amy',
      body: 'hello all',
      status: 'sent',
      createdAt: expect.any(String),
      editedAt: null,
      deletedAt: null,
      clientMessageId: null,
    });
    await eventually(() => logs.slice(0, 4).every((l) => l.length === 1));
    await sleep(300);
    for (const log of logs.slice(0, 4)) {
      expect(log).toEqual([
        {
          event: 'messages:new',
          payload: { conversationId: convo.id, message: sent, senderId: 'm-amy', recipients: ['m-amy', 'm-bob', 'm-cy'], offset: expect.stringMatching(/^\d+$/), metadata: { correlationId: expect.any(String) } },
        },
      ]);
    }
    expect(logs[4]).toEqual([]);
  });

  it('edits (author only) and soft deletes (author or admin) reach every participant once', async () => {
    const convo = await conversation('e-ada', ['e-bo']);
    const adaJoined = await open('e-ada');
    const adaOther = await open('e-ada');
    const bo = await open('e-bo');
    const boJoined = await open('e-bo');
    await join(adaJoined, convo.id);
    await join(boJoined, convo.id);
    const first = await post('e-ada', convo.id, 'frist');
    const second = await post('e-bo', convo.id, 'second');
    const logs = [adaJoined, adaOther, bo, boJoined].map(messageLog);

    const path = (m: MessageDto) => `/api/conversations/${convo.id}/messages/${m.id}`;
    const notAuthor = await http(app.url, 'PATCH', path(first), { token: token('e-bo'), body: { body: 'hijack' } });
    expect(notAuthor.status).toBe(403);
    const adminEdit = await http(app.url, 'PATCH', path(first), { token: adminToken('e-admin'), body: { body: 'moderated' } });
    expect(adminEdit.status).toBe(403);
    expect((await http(app.url, 'PATCH', path(first), { token: token('e-ada'), body: { body: '   ' } })).status).toBe(400);
    const edited = await http<MessageDto>(app.url, 'PATCH', path(first), { token: token('e-ada'), body: { body: 'first' } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id: first.id, body: 'first', status: 'edited', editedAt: expect.any(String), deletedAt: null });

    const notAllowed = await http(app.url, 'DELETE', path(first), { token: token('e-bo') });
    expect(notAllowed.status).toBe(403);
    const deleted = await http<MessageDto>(app.url, 'DELETE', path(first), { token: token('e-ada') });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ ...edited.body, body: null, status: 'deleted', deletedAt: expect.any(String) });
    // An admin who is not a member may delete (moderation).
    const moderated = await http<MessageDto>(app.url, 'DELETE', path(second), { token: adminToken('e-admin') });
    expect(moderated.status).toBe(200);
    expect(moderated.body).toMatchObject({ id: second.id, senderId: 'e-bo', status: 'deleted', body: null });
    // Deleting again changes nothing and publishes nothing; editing a deleted message conflicts.
    expect((await http<MessageDto>(app.url, 'DELETE', path(first), { token: token('e-ada') })).body.deletedAt).toBe(deleted.body.deletedAt);
    expect((await http(app.url, 'PATCH', path(first), { token: token('e-ada'), body: { body: 'back' } })).status).toBe(409);

    await eventually(() => logs.every((l) => l.length === 3));
    await sleep(300);
    for (const log of logs) {
      expect(log.map((e) => [e.event, e.payload.message.id, e.payload.message.status])).toEqual([
        ['messages:updated', first.id, 'edited'],
        ['messages:deleted', first.id, 'deleted'],
        ['messages:deleted', second.id, 'deleted'],
      ]);
      expect(log[0].payload).toMatchObject({ message: edited.body, senderId: 'e-ada', recipients: ['e-ada', 'e-bo'] });
      expect(log[1].payload.message).toEqual(deleted.body);
      expect(log[1].payload.message.body).toBeNull();
      expect(log[2].payload.senderId).toBe('e-bo');
    }

    const history = await http<{ items: MessageDto[] }>(app.url, 'GET', `/api/conversations/${convo.id}/messages`, { token: token('e-bo') });
    expect(history.body.items.map((m) => [m.id, m.status, m.body])).toEqual([
      [second.id, 'deleted', null],
      [first.id, 'deleted', null],
    ]);
    expect((await http(app.url, 'DELETE', `/api/conversations/${convo.id}/messages/no-such-message`, { token: token('e-ada') })).status).toBe(404);
  });

  it('delivers every one of rapid edits of one message live, even within one millisecond', async () => {
    const convo = await conversation('r-roy', ['r-sue']);
    const sue = await open('r-sue');
    const log = messageLog(sue);
    const message = await post('r-roy', convo.id, 'draft');
    const path = `/api/conversations/${convo.id}/messages/${message.id}`;
    // Sent together, the edits commit one after the other, often within the same millisecond.
    const edits = ['take 1', 'take 2', 'take 3', 'take 4'];
    const answers = await Promise.all(edits.map((body) => http<MessageDto>(app.url, 'PATCH', path, { token: token('r-roy'), body: { body } })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);

    await eventually(() => log.filter((e) => e.event === 'messages:updated').length === edits.length);
    await sleep(200);
    const updates = log.filter((e) => e.event === 'messages:updated');
    expect(updates).toHaveLength(edits.length);
    expect(new Set(updates.map((e) => e.payload.offset)).size).toBe(edits.length);
    // Bodies are not compared: a copy re-sent from the log carries the current body.
    expect(updates.every((e) => e.payload.message.id === message.id && e.payload.message.status === 'edited')).toBe(true);
  });

  it('pages history with before, newest first, members only', async () => {
    const convo = await conversation('h-hal', ['h-ivy']);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post(i % 2 ? 'h-ivy' : 'h-hal', convo.id, `m${i}`)).id);
    const get = (query: string, user = 'h-ivy') =>
      http<{ items: MessageDto[]; nextBefore: string | null }>(app.url, 'GET', `/api/conversations/${convo.id}/messages${query}`, { token: token(user) });
    const page1 = await get('?limit=2');
    expect(page1.body.items.map((m) => m.body)).toEqual(['m4', 'm3']);
    const page2 = await get(`?limit=2&before=${page1.body.nextBefore}`);
    expect(page2.body.items.map((m) => m.body)).toEqual(['m2', 'm1']);
    const page3 = await get(`?limit=2&before=${page2.body.nextBefore}`);
    expect(page3.body).toEqual({ items: [expect.objectContaining({ id: ids[0], body: 'm0' })], nextBefore: null });
    expect((await get('?limit=0')).status).toBe(400);
    expect((await get('?limit=2&before=not-here')).status).toBe(400);
    const elsewhere = await conversation('h-hal', ['h-joe']);
    const foreign = await post('h-hal', elsewhere.id, 'other room');
    expect((await get(`?before=${foreign.id}`)).status).toBe(400);
    const tooLong = await http(app.url, 'POST', `/api/conversations/${convo.id}/messages`, { token: token('h-hal'), body: { body: 'x'.repeat(4001) } });
    expect(tooLong.status).toBe(400);
    const huge = await http(app.url, 'POST', `/api/conversations/${convo.id}/messages`, { token: token('h-hal'), rawBody: JSON.stringify({ body: 'x'.repeat(300_000) }) });
    expect(huge.status).toBe(413);
    // Nothing half-written by the refused posts.
    expect((await get('?limit=100')).body.items).toHaveLength(5);
  });

  it('replays missed conversation events after since, in order, before live ones', async () => {
    const convo = await conversation('r-rae', ['r-sam']);
    const rae = await open('r-rae');
    await join(rae, convo.id);
    const seen = messageLog(rae);
    const m1 = await post('r-sam', convo.id, 'one');
    await eventually(() => seen.length === 1);
    const since = seen[0].payload.offset;
    rae.close();

    const m2 = await post('r-sam', convo.id, 'two');
    await http(app.url, 'PATCH', `/api/conversations/${convo.id}/messages/${m1.id}`, { token: token('r-sam'), body: { body: 'one!' } });
    const back = await open('r-rae');
    const replayed = messageLog(back);
    const ack = await join(back, convo.id, since);
    expect(ack).toMatchObject({ success: true, replayed: 2 });
    const m3 = await post('r-sam', convo.id, 'three');
    await eventually(() => replayed.length === 3);
    await sleep(200);
    expect(replayed.map((e) => [e.event, e.payload.message.id])).toEqual([
      ['messages:new', m2.id],
      ['messages:updated', m1.id],
      ['messages:new', m3.id],
    ]);
    const offsets = replayed.map((e) => BigInt(e.payload.offset));
    expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1])).toBe(true);
    expect(offsets[0] > BigInt(since)).toBe(true);
  });

  it('does not replay on join what already arrived live through the user room (no duplicates)', async () => {
    const convo = await conversation('d-dee', ['d-eli']);
    const first = await open('d-dee');
    await join(first, convo.id);
    const firstLog = messageLog(first);
    await post('d-eli', convo.id, 'one');
    await eventually(() => firstLog.length === 1);
    const since = firstLog[0].payload.offset;
    first.close();

    const missed = await post('d-eli', convo.id, 'two'); // nobody of d-dee's is connected
    const back = await open('d-dee'); // in user:d-dee from here on
    const log = messageLog(back);
    const liveBeforeJoin = await post('d-eli', convo.id, 'three');
    await eventually(() => log.length === 1);
    const ack = await join(back, convo.id, since);
    expect(ack).toMatchObject({ success: true, replayed: 1 });
    const after = await post('d-eli', convo.id, 'four');
    await eventually(() => log.length === 3);
    await sleep(300);
    // "three" came live before the join; the replay brings only what the socket never had.
    expect(log.map((e) => e.payload.message.id)).toEqual([liveBeforeJoin.id, missed.id, after.id]);
    expect((await app.get(MetricsService).registry.getSingleMetric('herald_replay_skipped_live_total')?.get())?.values[0]?.value).toBeGreaterThanOrEqual(1);

    // A socket that left the conversation's room gets what it missed while out, once.
    await emitAck(back, 'conversations:leave', { conversationId: convo.id });
    const lastSeen = log[log.length - 1].payload.offset;
    const whileOut = await post('d-eli', convo.id, 'five'); // still reaches user:d-dee live
    await eventually(() => log.length === 4);
    expect(await join(back, convo.id, lastSeen)).toMatchObject({ success: true, replayed: 0 });
    await sleep(300);
    expect(log.map((e) => e.payload.message.id)).toEqual([liveBeforeJoin.id, missed.id, after.id, whileOut.id]);
  });

  it('relays typing to the other members only, throttled, and leave stops room events but not user-room messages', async () => {
    const convo = await conversation('t-tia', ['t-uma']);
    const tia = await open('t-tia');
    const tiaOther = await open('t-tia');
    const uma = await open('t-uma');
    for (const s of [tia, tiaOther, uma]) expect(await join(s, convo.id)).toMatchObject({ success: true });
    const typing = [tia, tiaOther, uma].map((s) => collect<{ conversationId: string; userId: string }>(s, 'conversations:typing'));

    expect(await emitAck(tia, 'conversations:typing', { conversationId: convo.id })).toEqual({ success: true, relayed: true });
    // A keystroke right after is coalesced, not relayed and not an error.
    expect(await emitAck(tia, 'conversations:typing', { conversationId: convo.id })).toEqual({ success: true, relayed: false });
    await eventually(() => typing[2].length === 1);
    await sleep(300);
    expect(typing[2]).toEqual([{ conversationId: convo.id, userId: 't-tia' }]);
    expect(typing[0]).toEqual([]);
    expect(typing[1]).toEqual([]);

    expect(await emitAck(uma, 'conversations:leave', { conversationId: convo.id })).toEqual({ success: true, conversationId: convo.id });
    const umaMessages = messageLog(uma);
    await sleep(1_000); // the typing throttle interval
    expect(await emitAck(tiaOther, 'conversations:typing', { conversationId: convo.id })).toEqual({ success: true, relayed: true });
    await post('t-tia', convo.id, 'still reaches you');
    await eventually(() => umaMessages.length === 1);
    await sleep(300);
    expect(typing[2]).toHaveLength(1);
    expect(await emitAck(uma, 'conversations:typing', { conversationId: convo.id })).toMatchObject({ success: false, code: 'socket_error:forbidden' });
  });

  it('a retried clientMessageId answers 200 with the first message; one row, one messages:new, also when retries race', async () => {
    const convo = await conversation('k-amy', ['k-bob']);
    const bob = await open('k-bob');
    const log = messageLog(bob);
    const send = (body: string, clientMessageId: string, user = 'k-amy', conversationId = convo.id) =>
      http<MessageDto>(app.url, 'POST', `/api/conversations/${conversationId}/messages`, { token: token(user), body: { body, clientMessageId } });

    const first = await send('hello', 'draft-1');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ body: 'hello', clientMessageId: 'draft-1', status: 'sent' });
    const retry = await send('hello (retyped)', 'draft-1');
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);

    const racing = await Promise.all(Array.from({ length: 6 }, () => send('race', 'draft-2')));
    expect(racing.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);

    // The id is the sender's own, per conversation: another sender or conversation may reuse it.
    const other = await conversation('k-amy', ['k-cy']);
    expect((await send('elsewhere', 'draft-1', 'k-amy', other.id)).status).toBe(201);
    expect((await send('mine too', 'draft-1', 'k-bob')).status).toBe(201);

    await eventually(() => log.length === 3);
    await sleep(300);
    expect(log.map((e) => [e.event, e.payload.message.body, e.payload.message.clientMessageId])).toEqual([
      ['messages:new', 'hello', 'draft-1'],
      ['messages:new', 'race', 'draft-2'],
      ['messages:new', 'mine too', 'draft-1'],
    ]);
    const history = await http<{ items: MessageDto[] }>(app.url, 'GET', `/api/conversations/${convo.id}/messages`, { token: token('k-bob') });
    expect(history.body.items.map((m) => m.body)).toEqual(['mine too', 'race', 'hello']);

    for (const bad of ['', 'has space', 'x'.repeat(101), 42]) {
      const res = await http<{ message: string }>(app.url, 'POST', `/api/conversations/${convo.id}/messages`, {
        token: token('k-amy'),
        body: { body: 'never stored', clientMessageId: bad },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('clientMessageId');
    }
    const after = await http<{ items: MessageDto[] }>(app.url, 'GET', `/api/conversations/${convo.id}/messages`, { token: token('k-bob') });
    expect(after.body.items).toHaveLength(3);
  });

  it('refuses malformed socket payloads with bad_request', async () => {
    const s = await open('b-bad');
    const cases: unknown[] = [undefined, 'conv-1', { conversationId: 5 }, { conversationId: 'a b' }, { conversationId: 'c', since: 'yesterday' }, JSON.parse('{"conversationId":"c","__proto__":{"x":1}}')];
    for (const payload of cases) {
      expect(await emitAck(s, 'conversations:join', payload)).toMatchObject({ success: false, code: 'socket_error:bad_request' });
    }
    expect(await emitAck(s, 'conversations:leave', {})).toMatchObject({ success: false, code: 'socket_error:bad_request' });
    expect(await emitAck(s, 'conversations:typing', { conversationId: ['x'] })).toMatchObject({ success: false, code: 'socket_error:bad_request' });
    expect(s.connected).toBe(true);
  });
});

describe('messaging across instances', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ redis: true });
    b = await startTestApp({ redis: a.redisPrefix, databaseUrl: a.databaseUrl });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('delivers message events and typing to members on the other instance, once each', async () => {
    const created = await http<ConversationDto>(a.url, 'POST', '/api/conversations', { token: token('x-vic'), body: { participantIds: ['x-wes'] } });
    const convo = created.body;
    const vic = await appSocket(a.url, 'x-vic');
    const wesJoined = await appSocket(b.url, 'x-wes');
    const wesOther = await appSocket(b.url, 'x-wes');
    try {
      expect(await join2(vic, convo.id)).toMatchObject({ success: true });
      expect(await join2(wesJoined, convo.id)).toMatchObject({ success: true });
      const logs = [vic, wesJoined, wesOther].map(messageLog);
      const typing = collect(wesJoined, 'conversations:typing');
      const sent = await http<MessageDto>(a.url, 'POST', `/api/conversations/${convo.id}/messages`, { token: token('x-vic'), body: { body: 'across' } });
      await http(b.url, 'DELETE', `/api/conversations/${convo.id}/messages/${sent.body.id}`, { token: token('x-vic') });
      expect(await emitAck(vic, 'conversations:typing', { conversationId: convo.id })).toEqual({ success: true, relayed: true });
      await eventually(() => logs.every((l) => l.length === 2) && typing.length === 1);
      await sleep(300);
      for (const log of logs) expect(log.map((e) => e.event)).toEqual(['messages:new', 'messages:deleted']);
      expect(typing).toEqual([{ conversationId: convo.id, userId: 'x-vic' }]);

      // Relayed from the other instance, those two reached wesOther live through user:x-wes,
      // so joining the conversation with an older offset replays neither again.
      const before = logs[2][0].payload.offset;
      expect(await emitAck<JoinAck>(wesOther, 'conversations:join', { conversationId: convo.id, since: String(BigInt(before) - 1n) })).toMatchObject({
        success: true,
        replayed: 0,
      });
      await sleep(300);
      expect(logs[2]).toHaveLength(2);
    } finally {
      for (const s of [vic, wesJoined, wesOther]) s.close();
    }
  });

  const join2 = (s: Socket, conversationId: string) => emitAck<JoinAck>(s, 'conversations:join', { conversationId });
});
