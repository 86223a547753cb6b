/**
 * Deleted and edited message bodies are gone from the event log: neither history, nor a
 * `since` replay on a real socket, nor the stored payloads give back an earlier body.
 */
import type { Socket } from 'socket.io-client';
import { PrismaService } from '../../src/core/prisma';
import { startTestApp, type TestApp } from '../support/app';
import { emitAck, eventually, http, sleep } from '../support/clients';
import { appSocket } from '../support/notifications-app-socket';
import { adminToken, token } from '../support/tokens';

interface MessageDto {
  id: string;
  body: string | null;
  status: string;
}
interface LoggedEvent {
  offset: string;
  event: string;
  payload: { message: MessageDto };
}

const MESSAGE_EVENTS = ['messages:new', 'messages:updated', 'messages:deleted'];

describe('edited and deleted message bodies are scrubbed from the event log', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await app?.close();
  });

  const conversation = async (creator: string, other: string) => {
    const res = await http<{ id: string }>(app.url, 'POST', '/api/conversations', { token: token(creator), body: { participantIds: [other] } });
    expect(res.status).toBe(201);
    return res.body.id;
  };
  const post = async (user: string, conversationId: string, body: string) => {
    const res = await http<MessageDto>(app.url, 'POST', `/api/conversations/${conversationId}/messages`, { token: token(user), body: { body } });
    expect(res.status).toBe(201);
    return res.body;
  };
  const edit = (user: string, conversationId: string, id: string, body: string) =>
    http<MessageDto>(app.url, 'PATCH', `/api/conversations/${conversationId}/messages/${id}`, { token: token(user), body: { body } });
  const remove = (auth: string, conversationId: string, id: string) =>
    http<MessageDto>(app.url, 'DELETE', `/api/conversations/${conversationId}/messages/${id}`, { token: auth });
  const history = async (user: string, channel: string, query: string) => {
    const res = await http<{ events: LoggedEvent[] }>(app.url, 'GET', `/api/history?channel=${channel}&${query}`, { token: token(user) });
    expect(res.status).toBe(200);
    return res.body.events;
  };
  /** Stored payloads mentioning a text anywhere, whatever route would read them. */
  const storedMentions = async (text: string) => {
    const [row] = await app.get(PrismaService).sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM events WHERE payload::text LIKE $1`, [`%${text}%`]);
    return Number(row.n);
  };

  it('history, a since replay over a socket and the stored log keep no deleted or earlier edited body', async () => {
    const convo = await conversation('s-ann', 's-bob');
    const doomed = await post('s-ann', convo, 'doomed-body-1f3a');
    const edited = await post('s-ann', convo, 'draft-body-77c2');
    await post('s-bob', convo, 'kept-body-0b9e');
    expect(await storedMentions('doomed-body-1f3a')).toBe(1);

    // A full page read now is kept in the replay cache: it must not outlive the scrub.
    const cachedPage = await history('s-bob', `conversation:${convo}`, 'since=0&limit=2');
    expect(cachedPage.map((e) => e.payload.message.body)).toEqual(['doomed-body-1f3a', 'draft-body-77c2']);

    expect((await edit('s-ann', convo, edited.id, 'second-body-a41d')).status).toBe(200);
    expect((await edit('s-ann', convo, edited.id, 'final-body-5e60')).status).toBe(200);
    expect((await remove(token('s-ann'), convo, doomed.id)).status).toBe(200);

    const bodies = (events: LoggedEvent[]) => events.map((e) => [e.event, e.payload.message.id, e.payload.message.body]);
    const expected = [
      ['messages:new', doomed.id, null],
      ['messages:new', edited.id, 'final-body-5e60'],
      ['messages:new', expect.any(String), 'kept-body-0b9e'],
      ['messages:updated', edited.id, 'final-body-5e60'],
      ['messages:updated', edited.id, 'final-body-5e60'],
      ['messages:deleted', doomed.id, null],
    ];
    expect(bodies(await history('s-bob', `conversation:${convo}`, 'since=0&limit=2'))).toEqual(expected.slice(0, 2));
    expect(bodies(await history('s-bob', `conversation:${convo}`, 'since=0&limit=100'))).toEqual(expected);
    expect(bodies(await history('s-bob', `conversation:${convo}`, 'limit=100'))).toEqual(expected);

    const bob = await appSocket(app.url, 's-bob');
    sockets.push(bob);
    const replayed: LoggedEvent[] = [];
    bob.onAny((event: string, payload: LoggedEvent['payload'] & { offset: string }) => {
      if (MESSAGE_EVENTS.includes(event)) replayed.push({ event, offset: payload.offset, payload });
    });
    expect(await emitAck(bob, 'conversations:join', { conversationId: convo, since: '0' })).toMatchObject({ success: true, replayed: 6 });
    await eventually(() => replayed.length === 6);
    expect(bodies(replayed)).toEqual(expected);

    for (const gone of ['doomed-body-1f3a', 'draft-body-77c2', 'second-body-a41d']) expect([gone, await storedMentions(gone)]).toEqual([gone, 0]);
    expect(await storedMentions('kept-body-0b9e')).toBe(1);
  });

  it('edits racing a delete leave no body of the message in the log', async () => {
    const convo = await conversation('r-ann', 'r-bob');
    for (let round = 0; round < 12; round++) {
      const message = await post('r-ann', convo, `race-original-${round}`);
      const [first, second, deleted] = await Promise.all([
        edit('r-ann', convo, message.id, `race-edit-a-${round}`),
        edit('r-ann', convo, message.id, `race-edit-b-${round}`),
        sleep(round % 4).then(() => remove(adminToken(), convo, message.id)),
      ]);
      expect([200, 409]).toContain(first.status);
      expect([200, 409]).toContain(second.status);
      expect(deleted.status).toBe(200);
      // every response came after its own event was logged: nothing may be left by now
      for (const body of [`race-original-${round}`, `race-edit-a-${round}`, `race-edit-b-${round}`]) {
        expect([body, await storedMentions(body)]).toEqual([body, 0]);
      }
    }
  });

  it('two racing edits leave only the body that won', async () => {
    const convo = await conversation('e-ann', 'e-bob');
    for (let round = 0; round < 12; round++) {
      const message = await post('e-ann', convo, `duel-original-${round}`);
      await Promise.all([edit('e-ann', convo, message.id, `duel-a-${round}`), edit('e-ann', convo, message.id, `duel-b-${round}`)]);
      const page = await http<{ items: MessageDto[] }>(app.url, 'GET', `/api/conversations/${convo}/messages?limit=1`, { token: token('e-bob') });
      const winner = page.body.items[0].body!;
      const loser = winner === `duel-a-${round}` ? `duel-b-${round}` : `duel-a-${round}`;
      expect([await storedMentions(`duel-original-${round}`), await storedMentions(loser)]).toEqual([0, 0]);
      // messages:new and the messages:updated events carry it (two edits in one millisecond share
      // an idempotency key, so the log may hold one update instead of two)
      expect(await storedMentions(winner)).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('scrubbed bodies across instances', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ redis: true });
    b = await startTestApp({ databaseUrl: a.databaseUrl, redis: a.redisPrefix });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('another instance drops replay pages it had cached with the deleted body', async () => {
    const created = await http<{ id: string }>(a.url, 'POST', '/api/conversations', { token: token('x-ann'), body: { participantIds: ['x-bob'] } });
    const convo = created.body.id;
    const posted = await http<MessageDto>(a.url, 'POST', `/api/conversations/${convo}/messages`, { token: token('x-ann'), body: { body: 'cached-body-93d1' } });
    await http(a.url, 'POST', `/api/conversations/${convo}/messages`, { token: token('x-ann'), body: { body: 'second' } });
    const page = () =>
      http<{ events: LoggedEvent[] }>(b.url, 'GET', `/api/history?channel=conversation:${convo}&since=0&limit=2`, { token: token('x-bob') }).then((r) =>
        r.body.events.map((e) => e.payload.message.body),
      );
    expect(await page()).toEqual(['cached-body-93d1', 'second']); // a full page: instance b keeps it in memory

    expect((await http(a.url, 'DELETE', `/api/conversations/${convo}/messages/${posted.body.id}`, { token: token('x-ann') })).status).toBe(200);
    await eventually(async () => JSON.stringify(await page()) === JSON.stringify([null, 'second']), 3000);
  });
});
