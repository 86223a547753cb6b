/**
 * The HTTP load: POSTs events to a server's HTTP API.
 *
 * `run` (P5, P8): at a scheduled rate, `connections` keep-alive connections per room with
 * one request in flight on each, so each connection's events are sent in order and a slow
 * server shows up as latency (stamps are the scheduled send times). With more than one
 * connection per room, each connection stamps its own sequence (`room#<run>.<k>`), so
 * order and gaps are still checked per connection.
 *
 * `batch` (P9): closed loop, `connections` keep-alive connections each sending one batch
 * after another for a fixed time; reports what the server says it created. The bodies are
 * written from per-room templates (`lib/item-template.ts`): this process shares the load
 * core with PostgreSQL, and must not take the database's time.
 */
import { Agent, request } from 'node:http';
import { serve } from '../lib/ipc';
import { batchTally, type BatchTally } from '../lib/batch';
import { itemTemplate, type ItemParts, type ItemWriter } from '../lib/item-template';
import { summarize, type LatencySummary } from '../lib/stats';
import { benchToken } from '../lib/tokens';
import { BATCH_ROUTES, ROUTES, type BatchRouteName } from '../scenarios/routes';

export interface HttpRun {
  url: string;
  route: keyof typeof ROUTES;
  rooms: string[];
  /** Requests per second over all rooms. */
  rate: number;
  durationMs: number;
  payloadBytes: number;
  /** Keep-alive connections per room (default 1), each with one request in flight. */
  connections?: number;
  /**
   * Names this run's stamps `room@tag`, so a run that follows another on the same rooms
   * (a warm-up step, then the window) numbers its events from 1 without looking out of order.
   */
  stampTag?: string;
}

export interface HttpReport {
  scheduled: number;
  ok: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
  perRoom: Record<string, number>;
  responseMs: LatencySummary;
  /** Worst delay between a request's scheduled time and its send (the publisher lagging). */
  sendLagMaxMs: number;
}

export interface BatchRun {
  url: string;
  route: BatchRouteName;
  /** Rooms (countries, users) the items are spread over. */
  rooms: string[];
  itemsPerBatch: number;
  connections: number;
  durationMs: number;
  payloadBytes: number;
}

export interface BatchReport extends BatchTally {
  elapsedMs: number;
  /** This process's CPU while it was sending (not reading the answers afterwards). */
  cpuMs: number;
  batchMs: LatencySummary;
}

interface Posted {
  status: number;
  body: string;
}

function post(agent: Agent, url: URL, path: string, token: string, body: string | Buffer, keepBody = false): Promise<Posted> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        // Only read what is needed: a failure's text, or a batch's per-item results.
        const keep = keepBody || status >= 300;
        const chunks: Buffer[] = [];
        if (keep) res.on('data', (c: Buffer) => chunks.push(c));
        else res.resume();
        res.once('end', () => resolve({ status, body: keep ? Buffer.concat(chunks).toString() : '' }));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

let runs = 0;

/**
 * Room for one batch body (the server refuses bodies over 256 KB, so this is never short of a
 * body the server would take). Each connection writes its batches into its own buffer, reused
 * batch after batch: built as a string, a body was a 130–150 KB string each time, which V8
 * flattened to measure it and then encoded, on memory the kernel had to fault in afresh (in
 * a `perf` profile of a P9 window, a third of this process's samples were the flattening and
 * a quarter page faults), and this process shares the load core with PostgreSQL.
 */
const BODY_BUFFER_BYTES = 1024 * 1024;

/** Writes `{"items":[…]}` of `items` items into `buffer`, the room's writer chosen by each item's seq; returns its length. */
function writeBody(buffer: Buffer, roomWriters: ItemWriter[], items: number, next: () => ItemParts): number {
  let at = put(buffer, 0, '{"items":[');
  for (let i = 0; i < items; i++) {
    const parts = next();
    if (i) at = put(buffer, at, ',');
    at = put(buffer, at, roomWriters[(parts.seq + roomWriters.length - 1) % roomWriters.length](parts));
  }
  return put(buffer, at, ']}');
}

/** Appends ASCII/UTF-8 `text` at `at` and returns the new end; refuses to overflow the buffer. */
function put(buffer: Buffer, at: number, text: string): number {
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  if (at + 3 * text.length > buffer.length) throw new Error(`batch body over ${buffer.length} bytes`);
  return at + buffer.write(text, at);
}

async function run(args: HttpRun): Promise<HttpReport> {
  const url = new URL(args.url);
  const route = ROUTES[args.route];
  const token = benchToken('bench-publisher', ['service']);
  const pad = 'x'.repeat(args.payloadBytes);
  const perConnection = Math.max(1, args.connections ?? 1);
  // Each run's connections number their own events from 1: a run of its own gets stamp names of its own.
  const runNo = ++runs;
  const tagged = (room: string) => (args.stampTag ? `${room}@${args.stampTag}` : room);
  const streams = args.rooms.flatMap((room) =>
    Array.from({ length: perConnection }, (_, k) => ({ room, stamp: perConnection > 1 ? `${tagged(room)}#${runNo}.${k}` : tagged(room) })),
  );
  const perStreamRate = args.rate / streams.length;
  const perStreamCount = Math.max(1, Math.round((perStreamRate * args.durationMs) / 1000));
  const intervalNs = 1e9 / perStreamRate;
  const report: HttpReport = {
    scheduled: perStreamCount * streams.length,
    ok: 0,
    failed: 0,
    elapsedMs: 0,
    perRoom: {},
    responseMs: { count: 0 },
    sendLagMaxMs: 0,
  };
  const responses: number[] = [];
  const start = process.hrtime.bigint();
  await Promise.all(
    streams.map(async ({ room, stamp }, s) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      // Streams are staggered over one interval so that requests are spread evenly.
      const offset = BigInt(Math.round((s / streams.length) * intervalNs));
      for (let k = 0; k < perStreamCount; k++) {
        const due = start + offset + BigInt(Math.round(k * intervalNs));
        const wait = Number(due - process.hrtime.bigint()) / 1e6;
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        const body = JSON.stringify(route.body(room, { room: stamp, seq: k + 1, t: due.toString(), pad }));
        const sent = process.hrtime.bigint();
        const lag = Number(sent - due) / 1e6;
        if (lag > report.sendLagMaxMs) report.sendLagMaxMs = lag;
        try {
          const res = await post(agent, url, route.path, token, body);
          if (res.status >= 200 && res.status < 300) {
            report.ok++;
            report.perRoom[room] = (report.perRoom[room] ?? 0) + 1;
          } else {
            report.failed++;
            report.firstError ??= `HTTP ${res.status} ${route.path}: ${res.body.slice(0, 200)}`;
          }
        } catch (err) {
          report.failed++;
          report.firstError ??= String(err);
        }
        responses.push(Number(process.hrtime.bigint() - sent) / 1e6);
      }
      agent.destroy();
    }),
  );
  report.elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  report.responseMs = summarize(responses);
  return report;
}

/** Closed loop: each connection sends its next batch as soon as the previous one is answered. */
async function batch(args: BatchRun): Promise<BatchReport> {
  const url = new URL(args.url);
  const route = BATCH_ROUTES[args.route];
  const token = benchToken('bench-publisher', ['service']);
  const pad = 'x'.repeat(args.payloadBytes);
  const latencies: number[] = [];
  const responses: Posted[] = [];
  let items = 0;
  let seq = 0;
  // Idempotency keys unique to this run: a repeat against the same database must not turn into duplicates.
  const runKey = `bench-${process.pid}-${Date.now().toString(36)}`;
  // One template per room and connection, made before the clock starts.
  const writers = Array.from({ length: args.connections }, (_, c) =>
    args.rooms.map((room) => itemTemplate((payload, key) => route.item(room, payload, key), `${room}#${c}`, pad)),
  );
  const buffers = writers.map(() => Buffer.allocUnsafe(BODY_BUFFER_BYTES));
  // This process starts afresh for each window: compile the body writing before the clock,
  // not on the load core's time inside the window (nothing is sent).
  let warm = 0;
  for (let round = 0; round < 3; round++) {
    writers.forEach((roomWriters, c) => writeBody(buffers[c], roomWriters, args.itemsPerBatch, () => ({ seq: ++warm, t: '0', key: 'warm-up' })));
  }
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(args.durationMs) * 1_000_000n;
  await Promise.all(
    writers.map(async (roomWriters, c) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const buffer = buffers[c];
      while (process.hrtime.bigint() < end) {
        const t = process.hrtime.bigint().toString();
        const at = writeBody(buffer, roomWriters, args.itemsPerBatch, () => {
          const n = seq++;
          return { seq: n + 1, t, key: `${runKey}-${n}` };
        });
        const sent = process.hrtime.bigint();
        try {
          // The buffer is written again only after this batch is answered, so its bytes have been sent.
          responses.push(await post(agent, url, route.path, token, buffer.subarray(0, at), true));
        } catch (err) {
          responses.push({ status: 0, body: String(err) });
        }
        items += args.itemsPerBatch;
        latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
        // A missing route will not appear within the window: stop at once.
        if (responses[responses.length - 1].status === 404) break;
      }
      agent.destroy();
    }),
  );
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  // Read the answers only now: parsing them is not load on the server.
  return { ...batchTally(responses, items, route.path), elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, batchMs: summarize(latencies) };
}

serve({ run, batch }, { pid: process.pid });
