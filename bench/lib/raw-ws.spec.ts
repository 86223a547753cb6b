import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeClientFrame, parseServerFrame, RawWebSocket } from './raw-ws';

describe('RawWebSocket against a real ws server', () => {
  let server: WebSocketServer;
  let port: number;
  let serverSide: Promise<WebSocket>;

  beforeEach(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
    serverSide = new Promise((resolve) => server.once('connection', resolve));
  });
  afterEach(async () => {
    for (const c of server.clients) c.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  const open = async () => {
    const client = new RawWebSocket({ host: '127.0.0.1', port, path: '/socket.io/?EIO=4&transport=websocket' });
    const received: string[] = [];
    client.on('message', (m) => received.push(m.toString()));
    await new Promise((resolve) => client.once('open', () => resolve(undefined)));
    return { client, received, peer: await serverSide };
  };
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('receives small, 16-bit and 64-bit length messages and fragmented ones, in order', async () => {
    const { client, received, peer } = await open();
    const big = 'y'.repeat(70_000);
    peer.send('small');
    peer.send('m'.repeat(300));
    peer.send(big);
    peer.send('frag-', { fin: false });
    peer.send('ment', { fin: true });
    await until(() => received.length === 4);
    expect(received).toEqual(['small', 'm'.repeat(300), big, 'frag-ment']);
    client.terminate();
  });

  it('sends masked text frames the server accepts, at every length class', async () => {
    const { client, peer } = await open();
    const got: string[] = [];
    peer.on('message', (m: Buffer) => got.push(m.toString()));
    for (const text of ['40/ws/bench,{}', 'z'.repeat(200), 'q'.repeat(70_000)]) client.send(text);
    await until(() => got.length === 3);
    expect(got.map((g) => g.length)).toEqual([14, 200, 70_000]);
    client.terminate();
  });

  it('answers pings and reports the close', async () => {
    const { client, peer } = await open();
    const pong = new Promise<string>((resolve) => peer.once('pong', (data: Buffer) => resolve(data.toString())));
    peer.ping('hi');
    expect(await pong).toBe('hi');
    const closed = new Promise((resolve) => client.once('close', () => resolve(true)));
    peer.close();
    expect(await closed).toBe(true);
  });

  it('fails the upgrade on a non-101 answer', async () => {
    server.options.verifyClient = () => false;
    const client = new RawWebSocket({ host: '127.0.0.1', port, path: '/' });
    const err = await new Promise<Error>((resolve) => client.once('error', resolve));
    expect(err.message).toMatch(/upgrade refused: HTTP\/1.1 401/);
  });
});

describe('frame codec', () => {
  it('waits for a frame that has not fully arrived', () => {
    const frame = Buffer.from([0x81, 5, ...Buffer.from('hello')]);
    expect(parseServerFrame(frame.subarray(0, 4), 0)).toBeUndefined();
    expect(parseServerFrame(frame, 0)).toMatchObject({ fin: true, opcode: 1, next: 7 });
  });

  it('masks client frames with a zero key', () => {
    const f = encodeClientFrame(Buffer.from('3'));
    expect([...f]).toEqual([0x81, 0x81, 0, 0, 0, 0, 0x33]);
  });
});
