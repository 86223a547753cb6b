/**
 * /ws/app as a whole: the 5,120-byte inbound cap (refused before any handler runs,
 * connection kept, other namespaces keeping their own cap) and the app client's handshake
 * error codes.
 */
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { FIXTURE_MAX_EVENT_BYTES, FIXTURE_NS, FixtureModule } from '../support/fixture.module';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, connectError, emitAck, eventually, http, sleep, waitFor } from '../support/clients';
import { APP_NS, appSocket } from '../support/notifications-app-socket';
import { token } from '../support/tokens';

const CAP = 5120;

/** A payload `{conversationId, pad}` whose JSON-encoded argument list is exactly `bytes` long (how the cap measures). */
function payloadOf(bytes: number, conversationId: string): { conversationId: string; pad: string } {
  const empty = Buffer.byteLength(JSON.stringify([{ conversationId, pad: '' }]));
  const payload = { conversationId, pad: 'x'.repeat(bytes - empty) };
  expect(Buffer.byteLength(JSON.stringify([payload]))).toBe(bytes);
  return payload;
}

describe('/ws/app namespace', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule] });
    expect(app.config.socket.maxPayloadBytes).toBe(CAP);
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(() => app?.close());

  async function open(user: string): Promise<Socket> {
    const s = await appSocket(app.url, user);
    sockets.push(s);
    return s;
  }

  it('accepts a 5,120-byte event, refuses 5,121 bytes before the handler runs, and keeps the connection usable', async () => {
    const convo = await http<{ id: string }>(app.url, 'POST', '/api/conversations', { token: token('l1-sender'), body: { participantIds: ['l1-member'] } });
    const sender = await open('l1-sender');
    const member = await open('l1-member');
    for (const s of [sender, member]) expect(await emitAck(s, 'conversations:join', { conversationId: convo.body.id })).toMatchObject({ success: true });
    const relayed = collect(member, 'conversations:typing');

    // The typing handler's only effect is the relay: it tells whether the handler ran.
    const tooBig = await emitAck(sender, 'conversations:typing', payloadOf(CAP + 1, convo.body.id));
    expect(tooBig).toEqual({ success: false, error: expect.stringContaining(`${CAP + 1} bytes`), code: 'socket_error:payload_too_large' });
    // Without an ack the refusal is an error event.
    const error = waitFor<{ code: string }>(sender, 'error');
    sender.emit('conversations:typing', payloadOf(CAP + 1, convo.body.id));
    expect(await error).toEqual({ code: 'socket_error:payload_too_large', message: expect.any(String) });
    await sleep(300);
    expect(relayed).toEqual([]);
    expect(sender.connected).toBe(true);

    const atCap = await emitAck(sender, 'conversations:typing', payloadOf(CAP, convo.body.id));
    expect(atCap).toEqual({ success: true, relayed: true });
    await eventually(() => relayed.length === 1);
    expect(relayed).toEqual([{ conversationId: convo.body.id, userId: 'l1-sender' }]);
    // Still usable afterwards for ordinary requests.
    expect(await emitAck(sender, 'conversations:leave', { conversationId: convo.body.id })).toEqual({ success: true, conversationId: convo.body.id });
  });

  it('another namespace keeps its own cap, in both directions', async () => {
    expect(FIXTURE_MAX_EVENT_BYTES).toBeLessThan(CAP);
    const fixture = await connect(app.url, FIXTURE_NS, { token: token('l1-other') });
    sockets.push(fixture);
    const appSide = await open('l1-other');
    // A size /ws/app accepts is refused on /ws/test (1,024 bytes)...
    const between = FIXTURE_MAX_EVENT_BYTES + 1000;
    expect(await emitAck(appSide, 'conversations:leave', payloadOf(between, 'c1'))).toMatchObject({ success: true });
    expect(await emitAck(fixture, 'echo', payloadOf(between, 'c1'))).toMatchObject({ success: false, code: 'socket_error:payload_too_large' });
    expect(await emitAck(fixture, 'echo', payloadOf(FIXTURE_MAX_EVENT_BYTES, 'c1'))).toMatchObject({ success: true });
    // ...and /ws/app's cap is not /ws/test's either way.
    expect(await emitAck(appSide, 'conversations:leave', payloadOf(CAP + 1, 'c1'))).toMatchObject({ code: 'socket_error:payload_too_large' });
    expect(fixture.connected && appSide.connected).toBe(true);
  });

  it('refuses handshakes with the error codes the app client knows (unauthorized, token_expired)', async () => {
    expect((await connectError(app.url, APP_NS)).data).toEqual({ code: 'socket_error:unauthorized', message: expect.any(String) });
    expect((await connectError(app.url, APP_NS, { token: token('x', { secret: 'wrong-secret-wrong-secret-wrong-secret' }) })).data?.code).toBe(
      'socket_error:unauthorized',
    );
    expect((await connectError(app.url, APP_NS, { token: token('x', { ttl: -10 }) })).data?.code).toBe('socket_error:token_expired');
  });

  it('wrong types, __proto__ keys and deep nesting are refused with bad_request, and the socket stays up', async () => {
    const socket = await open('l2-fuzzer');
    const wrongId = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.integer()), fc.string({ minLength: 129, maxLength: 200 }), fc.constantFrom('', 'a b', 'x*', '../x', 'a:b', 'user:eve'));
    const nested = fc.integer({ min: 17, max: 40 }).map((depth) => {
      let value: unknown = 'leaf';
      for (let i = 0; i < depth; i++) value = { v: value };
      return { conversationId: 'c1', extra: value };
    });
    const anyEvent = fc.constantFrom('conversations:join', 'conversations:leave', 'conversations:typing');
    const request = fc.oneof(
      fc.tuple(anyEvent, wrongId.map((conversationId) => ({ conversationId }))),
      fc.tuple(anyEvent, fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.anything(), { maxLength: 3 }))),
      fc.tuple(anyEvent, fc.constant(JSON.parse('{"conversationId":"c1","__proto__":{"admin":true}}') as unknown)),
      fc.tuple(anyEvent, nested),
      // `since` only means something to join
      fc.tuple(fc.constant('conversations:join'), fc.record({ conversationId: fc.constant('c1'), since: fc.oneof(fc.constant('-1'), fc.constant('1e5'), fc.constant(1.5), fc.integer({ max: -1 }), fc.object()) })),
    );
    await fc.assert(
      fc.asyncProperty(request, async ([name, body]) => {
        const ack = await emitAck<{ success: boolean; code?: string }>(socket, name, body);
        expect(ack).toMatchObject({ success: false, code: 'socket_error:bad_request' });
      }),
      { numRuns: 60 },
    );
    expect(socket.connected).toBe(true);
    expect(await emitAck(socket, 'conversations:leave', { conversationId: 'c1' })).toEqual({ success: true, conversationId: 'c1' });
  });

  it('joins user:<sub> on connect: notifications:ready names the user and the user room receives events', async () => {
    const socket = await open('ready-user');
    const news = waitFor<{ notification: { userId: string } }>(socket, 'notifications:new');
    const created = await http(app.url, 'POST', '/api/notifications', {
      token: token('svc', { roles: ['service'] }),
      body: { userId: 'ready-user', eventKey: 'system.hello', category: 'system', title: 'hi', body: 'hello' },
    });
    expect(created.status).toBe(201);
    expect((await news).notification.userId).toBe('ready-user');
  });
});
