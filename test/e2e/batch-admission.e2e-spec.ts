/**
 * Batch admission (docs/operations.md, "Batch publish admission"): with
 * BATCH_PUBLISH_CONCURRENCY=1, a batch request waits, body unread, while another holds the
 * slot; a caller the route refuses is not made to wait; a waiting request whose client leaves
 * gives up its place and no slot is lost. Real app, real PostgreSQL, raw TCP for the requests
 * that must stay half-sent.
 */
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import { startTestApp, type TestApp } from '../support/app';
import { eventually, http } from '../support/clients';
import { serviceToken, token } from '../support/tokens';

const SERVICE = serviceToken();
const PATH = '/api/intelligence/updates/batch';

describe('batch publish admission', () => {
  let app: TestApp;
  const raw: TcpSocket[] = [];

  const batch = (title: string, n = 3) => JSON.stringify({ items: Array.from({ length: n }, (_, i) => ({ countryId: 'adm-a', category: 'economic', title: `${title} ${i}` })) });
  const gauge = async (name: string) => {
    const res = await fetch(`${app.url}/metrics`);
    const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.split(' ')[1]);
  };
  const waiting = () => gauge('herald_batch_requests_waiting');
  const inProgress = () => gauge('herald_batch_requests_in_progress');
  /** Sends a batch's headers and the first `sent` bytes of its body; the answer's text resolves once the server closes or answers. */
  const rawPost = (body: string, sent: number) => {
    const { port } = new URL(app.url);
    const socket = tcpConnect(Number(port), '127.0.0.1');
    raw.push(socket);
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    const answered = new Promise<string>((resolve) => {
      socket.on('data', () => text.includes('\r\n\r\n') && text.includes('"created"') && resolve(text));
      socket.on('close', () => resolve(text));
    });
    socket.write(
      `POST ${PATH} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${SERVICE}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, sent)}`,
    );
    return { socket, answered, rest: () => socket.write(body.slice(sent)) };
  };

  beforeAll(async () => {
    app = await startTestApp({ env: { BATCH_PUBLISH_CONCURRENCY: '1' } });
    const put = await http(app.url, 'PUT', '/api/countries/adm-a', { token: SERVICE, body: { name: 'A', gdp: 1, population: 1, vitality: 50, economicTier: 'Developed' } });
    expect(put.status).toBe(201);
  });
  afterAll(async () => {
    raw.forEach((s) => s.destroy());
    await app?.close();
  });

  it('queues batches behind the one in progress, unread, and lets them through in turn', async () => {
    // Holds the only slot: admitted, its body still arriving.
    const slow = batch('slow');
    const holder = rawPost(slow, 10);
    await eventually(async () => (await inProgress()) === 1);

    let queuedDone = false;
    const queued = http<{ created: number }>(app.url, 'POST', PATH, { token: SERVICE, body: JSON.parse(batch('queued')) }).then((res) => {
      queuedDone = true;
      return res;
    });
    await eventually(async () => (await waiting()) === 1);

    // Refused callers are answered at once, not queued.
    const anonymous = await http(app.url, 'POST', PATH, { body: JSON.parse(batch('anonymous')) });
    expect(anonymous.status).toBe(401);
    const user = await http(app.url, 'POST', PATH, { token: token('not-a-service'), body: JSON.parse(batch('user')) });
    expect(user.status).toBe(403);

    // A waiting client that leaves gives up its place.
    const leaver = rawPost(batch('leaver'), Number.MAX_SAFE_INTEGER);
    await eventually(async () => (await waiting()) === 2);
    leaver.socket.destroy();
    await eventually(async () => (await waiting()) === 1);
    expect(queuedDone).toBe(false);

    holder.rest();
    expect(await holder.answered).toMatch(/^HTTP\/1\.1 200 [\s\S]*"created":3/);
    const res = await queued;
    expect([res.status, res.body.created]).toEqual([200, 3]);
    expect(await waiting()).toBe(0);
    await eventually(async () => (await inProgress()) === 0);

    // No slot was lost to the client that left.
    const after = await http<{ created: number }>(app.url, 'POST', PATH, { token: SERVICE, body: JSON.parse(batch('after')) });
    expect([after.status, after.body.created]).toEqual([200, 3]);
  });
});
