import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { connect, emitAck, sleep, waitFor } from '../support/clients';
import { FIXTURE_MAX_EVENT_BYTES, FIXTURE_NS, FixtureModule } from '../support/fixture.module';
import { token } from '../support/tokens';

/** A payload whose measured size (UTF-8 bytes of JSON.stringify([payload])) is exactly `bytes`. */
const sized = (bytes: number) => {
  const overhead = JSON.stringify([{ pad: '' }]).length;
  return { pad: 'x'.repeat(bytes - overhead) };
};

describe('per-socket limits and handler failures', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  const open = async (sub: string) => {
    const s = await connect(app.url, FIXTURE_NS, { token: token(sub) });
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    app = await startTestApp({
      modules: [FixtureModule],
      env: { SOCKET_RATE_LIMIT_PER_SECOND: '20', SOCKET_RATE_LIMIT_BURST: '20', SOCKET_MAX_ROOMS: '5' },
    });
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  afterAll(() => app?.close());

  it('accepts an event at the namespace cap and refuses one byte more, keeping the connection', async () => {
    const s = await open('sizer');
    const atCap = await emitAck<{ success: boolean }>(s, 'echo', sized(FIXTURE_MAX_EVENT_BYTES));
    expect(atCap.success).toBe(true);
    const over = await emitAck<{ success: boolean; code: string }>(s, 'echo', sized(FIXTURE_MAX_EVENT_BYTES + 1));
    expect(over).toMatchObject({ success: false, code: 'socket_error:payload_too_large' });
    const noAck = waitFor<{ code: string }>(s, 'error');
    s.emit('echo', sized(FIXTURE_MAX_EVENT_BYTES + 1));
    expect((await noAck).code).toBe('socket_error:payload_too_large');
    expect((await emitAck<{ success: boolean }>(s, 'echo', { ok: 1 })).success).toBe(true);
  });

  it('caps rooms per socket and refuses bad room names', async () => {
    const s = await open('roomy'); // already in user:roomy
    expect((await emitAck<{ success: boolean }>(s, 'subscribe', { rooms: ['test:1', 'test:2', 'test:3', 'test:4'] })).success).toBe(true);
    const past = await emitAck<{ success: boolean; code: string; error: string }>(s, 'subscribe', { rooms: ['test:5'] });
    expect(past).toMatchObject({ success: false, code: 'socket_error:bad_request' });
    for (const bad of ['*', 'test:*', s.id, 'x'.repeat(300), 'test:a b', '../etc', { __proto__: { polluted: true } }]) {
      const res = await emitAck<{ success: boolean; code: string }>(s, 'subscribe', { rooms: [bad] });
      expect(res).toMatchObject({ success: false, code: 'socket_error:bad_request' });
    }
  });

  it('rate-limits a flooding socket, then disconnects it, leaving others alone', async () => {
    const flooder = await open('flooder');
    const bystander = await open('bystander');
    const limited = waitFor<{ code: string }>(flooder, 'error', 5000);
    const gone = waitFor(flooder, 'disconnect', 10000);
    for (let i = 0; i < 200; i++) flooder.emit('echo', { i });
    expect((await limited).code).toBe('socket_error:rate_limited');
    await gone;
    expect((await emitAck<{ success: boolean }>(bystander, 'echo', { still: 'here' })).success).toBe(true);
  });

  it('reports a handler exception to the caller and keeps serving', async () => {
    const s = await open('boom');
    const res = await emitAck<{ success: boolean; code: string; error: string }>(s, 'boom', {});
    expect(res).toEqual({ success: false, code: 'socket_error:unavailable', error: 'internal error' });
    await sleep(50);
    expect((await emitAck<{ success: boolean }>(s, 'echo', {})).success).toBe(true);
  });
});
