/**
 * The kernel under hostile or unlucky clients: schema fuzz, protocol garbage,
 * a consumer that stops reading, and replay through random disconnects, reconnects
 * and instance stops.
 */
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { isValidRoomName, RealtimeServer } from '../../src/core/realtime';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, emitAck, eventually, http, sleep } from '../support/clients';
import { FIXTURE_NS, FixtureModule, FixturePublisher } from '../support/fixture.module';
import { token } from '../support/tokens';

/** A bare Engine.IO v4 websocket, for speaking the protocol wrongly on purpose. */
function rawSocket(app: TestApp): Promise<WebSocket> {
  const ws = new WebSocket(`${app.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  return new Promise((resolve, reject) => {
    ws.once('message', () => resolve(ws)); // the Engine.IO open packet
    ws.once('error', reject);
  });
}

const closed = (ws: WebSocket) => new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve())));

function nextMessage(ws: WebSocket, match: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      if (text === '2') ws.send('3'); // answer pings while we wait
      if (match(text)) {
        ws.off('message', onMessage);
        resolve(text);
      }
    };
    ws.on('message', onMessage);
  });
}

function isWellFormedSubscribe(payload: unknown): boolean {
  const p = payload as { rooms?: unknown; since?: unknown } | null;
  if (!p || typeof p !== 'object' || !Array.isArray(p.rooms) || p.rooms.length === 0 || !p.rooms.every(isValidRoomName)) return false;
  return p.since === undefined || (typeof p.since === 'number' && Number.isInteger(p.since) && p.since >= 0) || (typeof p.since === 'string' && /^\d{1,19}$/.test(p.since));
}

describe('hostile input on a socket', () => {
  let app: TestApp;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    app = await startTestApp({ modules: [FixtureModule], env: { SOCKET_RATE_LIMIT_PER_SECOND: '10000', SOCKET_RATE_LIMIT_BURST: '10000' } });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await app.close();
  });

  it('answers every malformed subscribe with bad_request and joins nothing (property test)', async () => {
    const s = await connect(app.url, FIXTURE_NS, { token: token('fuzzer') });
    const roomsBefore = async () => (await app.get(RealtimeServer).namespace(FIXTURE_NS)!.in('user:fuzzer').fetchSockets())[0].rooms.size;
    const baseline = await roomsBefore();
    // Small enough to stay under the namespace's 1,024-byte cap, so the schema is what refuses
    // them (a whole payload over the cap is refused as payload_too_large, tested elsewhere).
    const fitsCap = (v: unknown) => (JSON.stringify(v) ?? '').length < 600;
    const small = fc.anything({ maxDepth: 3, maxKeys: 4 }).filter(fitsCap);
    const notAnArrayOfRooms = fc
      .oneof(
        small,
        fc.record({ rooms: small }),
        fc.record({ rooms: fc.array(fc.oneof(fc.integer(), fc.constant(null), small, fc.string({ maxLength: 3 }).map((x) => `*${x}`)), { minLength: 1 }) }),
        fc.record({ rooms: fc.constant(['test:ok']), since: fc.oneof(fc.constant(-1), fc.constant('abc'), fc.double(), fc.object({ maxDepth: 1 })) }),
      )
      .filter(fitsCap);
    await fc.assert(
      fc.asyncProperty(notAnArrayOfRooms, async (payload) => {
        fc.pre(!isWellFormedSubscribe(payload)); // the generators can, rarely, hit a valid one
        const res = await emitAck<{ success: boolean; code?: string }>(s, 'subscribe', payload, 2000).catch(() => 'no answer');
        expect(res).toMatchObject({ success: false, code: 'socket_error:bad_request' });
      }),
      { numRuns: 120 },
    );
    // Prototype pollution and absurd nesting are refused before any schema runs.
    const polluted = JSON.parse('{"rooms":["test:a"],"__proto__":{"admin":true}}');
    expect(await emitAck(s, 'subscribe', polluted)).toMatchObject({ success: false, code: 'socket_error:bad_request' });
    let deep: unknown = ['test:a'];
    for (let i = 0; i < 40; i++) deep = { rooms: deep };
    expect(await emitAck(s, 'subscribe', deep)).toMatchObject({ success: false, code: 'socket_error:bad_request' });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(await roomsBefore()).toBe(baseline);
    expect(unhandled).toEqual([]);
    s.close();
  }, 180_000); // one round trip per generated payload; slow only on a loaded machine

  it('closes a connection that sends protocol garbage and keeps serving everyone else', async () => {
    const bystander = await connect(app.url, FIXTURE_NS, { token: token('bystander') });
    const garbage = ['42/ws/test,["echo"', '9999', '4', '42/ws/test,0["echo",{"a":1}]', '40/ws/test,not-json', 'x'.repeat(100), '\u0000\u0001'];
    for (const frame of garbage) {
      const ws = await rawSocket(app);
      ws.send(frame);
      // Either the packet is unparsable (connection closed) or it is an event for a namespace the
      // connection never joined (ignored); in both cases the server must not answer with data.
      const outcome = await Promise.race([closed(ws).then(() => 'closed'), nextMessage(ws, (t) => t.startsWith('4')).then(() => 'answered'), sleep(500).then(() => 'ignored')]);
      expect(['closed', 'ignored']).toContain(outcome);
      ws.terminate();
    }
    const binary = await rawSocket(app);
    binary.send(Buffer.from([0xff, 0x00, 0x13, 0x37]));
    binary.send('451-/ws/test,["echo",{"_placeholder":true,"num":7}]');
    await Promise.race([closed(binary), sleep(500)]);
    binary.terminate();

    expect((await http(app.url, 'GET', '/health/live')).status).toBe(200);
    expect(await emitAck(bystander, 'echo', { still: 'here' })).toEqual({ success: true, body: { still: 'here' } });
    expect(unhandled).toEqual([]);
    bystander.close();
  });
});

describe('an upgrade request for a path nobody serves', () => {
  it('is closed instead of left hanging', async () => {
    const app = await startTestApp({ modules: [FixtureModule] });
    try {
      const ws = new WebSocket(`${app.url.replace('http', 'ws')}/nowhere`);
      const outcome = await new Promise<string>((resolve) => {
        ws.once('open', () => resolve('opened'));
        ws.once('error', (err) => resolve(`refused: ${err.message}`));
      });
      expect(outcome).toMatch(/^refused/);
    } finally {
      await app.close();
    }
  });
});

describe('a consumer that stops reading', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule], env: { SOCKET_MAX_BUFFERED_BYTES: String(1024 * 1024) } });
  });
  afterAll(() => app.close());

  it('is cut off once its unsent data passes the bound, while readers in the same room carry on', async () => {
    const ws = await rawSocket(app);
    ws.send(`40${FIXTURE_NS},${JSON.stringify({ token: token('sloth') })}`);
    await nextMessage(ws, (t) => t.startsWith(`40${FIXTURE_NS},`));
    ws.send(`42${FIXTURE_NS},1["subscribe",{"rooms":["test:slow"]}]`);
    await nextMessage(ws, (t) => t.startsWith(`43${FIXTURE_NS},1`));
    const reader = await connect(app.url, FIXTURE_NS, { token: token('reader') });
    await emitAck(reader, 'subscribe', { rooms: ['test:slow'] });
    const got = collect(reader, 'bulk');

    // Stop reading: the kernel buffers fill, then the server's buffer grows. (ws would resume a
    // merely paused socket once its parser drains, so its data listener goes too.)
    const tcp = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    tcp.removeAllListeners('data');
    tcp.pause();
    const nsp = app.get(RealtimeServer).namespace(FIXTURE_NS)!;
    const chunk = 'x'.repeat(64 * 1024);
    const slothConnected = async () => (await nsp.in('user:sloth').fetchSockets()).length > 0;
    let sent = 0;
    // Up to 64 MB at 5 MB/s, far more than loopback socket buffers hold; stops as soon as the sloth is cut off.
    while (sent < 1024 && (await slothConnected())) {
      for (let i = 0; i < 4; i++, sent++) nsp.to('test:slow').emit('bulk', chunk);
      await sleep(50);
    }
    await eventually(async () => !(await slothConnected()), 10_000);
    expect(sent).toBeLessThan(1024);
    await eventually(() => got.length === sent, 15_000);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/herald_dropped_frames_total\{transport="socket\.io"\} [1-9]/);
    ws.terminate();
    reader.close();
  });
});

describe('replay through random disconnects, reconnects and instance stops', () => {
  const ROOM = 'test:d2';

  it('gives every client exactly the server log: no gap, no duplicate, in order', async () => {
    const publisherApp = await startTestApp({ modules: [FixtureModule], redis: true });
    const shared = { databaseUrl: publisherApp.databaseUrl, redis: publisherApp.redisPrefix, modules: [FixtureModule] };
    const edges = [await startTestApp(shared), await startTestApp(shared)];
    const publisher = publisherApp.get(FixturePublisher);
    const published: string[] = [];

    const action = fc.oneof(
      fc.record({ kind: fc.constant('drop' as const), client: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ kind: fc.constant('restart-edge' as const), edge: fc.integer({ min: 0, max: 1 }) }),
      fc.record({ kind: fc.constant('publish' as const), count: fc.integer({ min: 1, max: 8 }) }),
    );

    try {
      await fc.assert(
        fc.asyncProperty(fc.array(action, { minLength: 6, maxLength: 14 }), async (actions) => {
          const startAfter = published.at(-1) ?? '0';
          const logs: string[][] = [[], [], [], []];
          const sockets: Array<Socket | undefined> = [];
          const open = async (i: number) => {
            const since = logs[i].at(-1) ?? startAfter;
            const edge = edges[(i + logs[i].length) % edges.length];
            const s = await connect(edge.url, FIXTURE_NS, { token: token(`d2-${i}`) });
            s.on('fixture:event', (e: { offset: string }) => logs[i].push(e.offset));
            await emitAck(s, 'subscribe', { rooms: [ROOM], since });
            sockets[i] = s;
          };
          for (let i = 0; i < 4; i++) await open(i);

          let n = 0;
          for (const step of actions) {
            if (step.kind === 'publish') {
              for (let k = 0; k < step.count; k++) {
                const sent = await publisher.event(++n, [ROOM]);
                published.push(sent!.offset);
              }
            } else if (step.kind === 'drop') {
              sockets[step.client]?.disconnect();
              // Events published while it is away must come back through `since`.
              const e = await publisher.event(++n, [ROOM]);
              published.push(e!.offset);
              await open(step.client);
            } else {
              const old = edges[step.edge];
              await old.close();
              edges[step.edge] = await startTestApp(shared);
              for (let i = 0; i < 4; i++) if (!sockets[i]?.connected) await open(i);
            }
          }
          const expected = published.filter((o) => BigInt(o) > BigInt(startAfter));
          await eventually(() => logs.every((log) => log.length >= expected.length), 10_000);
          await sleep(100); // anything extra (a duplicate) would arrive now
          for (const log of logs) expect(log).toEqual(expected);
          sockets.forEach((s) => s?.disconnect());
        }),
        { numRuns: 4 },
      );
    } finally {
      for (const edge of edges) await edge.close();
      await publisherApp.close();
    }
  });
});
