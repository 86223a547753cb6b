/**
 * System A: a bare Socket.IO server with the engine options of HeraldIoAdapter
 * (src/core/realtime/herald-io.adapter.ts) and the same rooms, namespace and events as the
 * bench driver module, but no auth, no event log and no limits. With REDIS_URL it uses the
 * same sharded Redis adapter (P6). With DATABASE_URL it offers the P5 HTTP route with a
 * plain INSERT per publish (P5, P8) and a batch route with one multi-row INSERT per batch
 * (P9); with BENCH_KEEP_LOG it keeps events in memory for replay (P7).
 */
import { createShardedAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { Server } from 'socket.io';
import { serveAgent } from './agent';
import { BENCH_EVENT, BENCH_NS, BENCH_READY, type BenchPayload } from './payload';

const env = process.env;
const log = new Map<string, Array<{ offset: number; payload: BenchPayload }>>();
const keepLog = env.BENCH_KEEP_LOG === '1';
let nextOffset = 0;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString());
}

async function main() {
  const pool = env.DATABASE_URL ? new Pool({ connectionString: env.DATABASE_URL, max: 10 }) : undefined;
  if (pool) {
    await pool.query('CREATE TABLE IF NOT EXISTS bench_events (id bigserial PRIMARY KEY, room text NOT NULL, payload jsonb NOT NULL)');
  }

  const http = createServer();
  // Registered before Socket.IO attaches, which hands non-/socket.io requests to earlier listeners.
  http.on('request', (req, res) => void handleHttp(req, res));

  const io = new Server(http, {
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    perMessageDeflate: false,
    httpCompression: true,
    pingInterval: Number(env.HEARTBEAT_INTERVAL_MS ?? 25000),
    pingTimeout: 20000,
    maxHttpBufferSize: 1_000_000,
    serveClient: false,
    destroyUpgrade: false,
    cors: { origin: true, credentials: true },
    allowRequest: (_req, callback) => callback(null, true),
  });
  if (env.REDIS_URL) {
    const prefix = env.REDIS_PREFIX ?? 'bench-bare';
    io.adapter(createShardedAdapter(new Redis(env.REDIS_URL), new Redis(env.REDIS_URL), { channelPrefix: `${prefix}#sio` }));
  }
  const nsp = io.of(BENCH_NS);

  const emit = (room: string, payload: BenchPayload, offset: number) => {
    const wire = { ...payload, offset: String(offset) };
    if (keepLog) {
      let entries = log.get(room);
      if (!entries) log.set(room, (entries = []));
      entries.push({ offset, payload: wire });
    }
    nsp.to(room).emit(BENCH_EVENT, wire);
    return String(offset);
  };

  nsp.on('connection', (socket) => {
    const auth = socket.handshake.auth as { rooms?: unknown; since?: unknown };
    const rooms = Array.isArray(auth.rooms) ? auth.rooms.filter((r): r is string => typeof r === 'string') : [];
    if (auth.since !== undefined) {
      const since = Number(auth.since);
      for (const room of rooms) for (const e of log.get(room) ?? []) if (e.offset > since) socket.emit(BENCH_EVENT, e.payload);
    }
    void socket.join(rooms);
    socket.emit(BENCH_READY, { rooms });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'POST') return;
    if (req.url === '/api/bench/batch') return handleBatch(req, res);
    if (req.url !== '/api/bench/publish') return;
    try {
      const body = (await readJson(req)) as { room: string; payload: BenchPayload };
      let offset: number;
      if (pool) {
        const { rows } = await pool.query<{ id: string }>('INSERT INTO bench_events (room, payload) VALUES ($1, $2) RETURNING id', [
          body.room,
          JSON.stringify(body.payload),
        ]);
        offset = Number(rows[0].id);
      } else offset = ++nextOffset;
      const sent = emit(body.room, body.payload, offset);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ offset: sent }));
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  }

  /** P9's baseline: the whole batch in one multi-row INSERT (one statement, so one transaction), then one emit per item. */
  async function handleBatch(req: IncomingMessage, res: ServerResponse) {
    try {
      const { items } = (await readJson(req)) as { items: Array<{ room: string; payload: BenchPayload }> };
      let offsets: number[];
      if (pool) {
        const { rows } = await pool.query<{ id: string }>(
          'INSERT INTO bench_events (room, payload) SELECT * FROM unnest($1::text[], $2::jsonb[]) RETURNING id',
          [items.map((i) => i.room), items.map((i) => JSON.stringify(i.payload))],
        );
        offsets = rows.map((r) => Number(r.id));
      } else offsets = items.map(() => ++nextOffset);
      const results = items.map((item, index) => ({ index, status: 'created', id: emit(item.room, item.payload, offsets[index]), offset: String(offsets[index]) }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results, created: results.length, duplicates: 0, rejected: 0 }));
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  }

  await new Promise<void>((resolve) => http.listen(Number(env.PORT ?? 0), '127.0.0.1', resolve));
  const port = (http.address() as { port: number }).port;
  serveAgent({
    target: { publish: (room, payload) => emit(room, payload, ++nextOffset) },
    info: { url: `http://127.0.0.1:${port}`, port, system: 'bare' },
    connections: () => nsp.sockets.size,
    onExit: async () => {
      await io.close();
      await pool?.end();
    },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
