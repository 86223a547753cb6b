/**
 * Raw-feed fan-out measurement: killmail frames/s delivered to 1,000 `/updates` peers.
 *
 *   npm run bench:killmail -- [--peers 1000] [--repeats 3] [--step-ms 3000]
 *
 * Follows the method of docs/performance.md where it applies: A = a bare `ws` server with the same options
 * (noServer upgrade, perMessageDeflate off, one pre-built Buffer per frame, same drop check),
 * B = Herald (dist build, PostgreSQL started by the script, unpinned) where each killmail goes the full way: validation,
 * killmail row, event log, Socket.IO emit, raw frame. Both pinned to core 0, alternating
 * A B A B …; the peers are light sinks on the other core that count frames from WebSocket
 * headers without parsing JSON. The publish rate is ramped; the figure per step is frames
 * received per second over all peers. Medians of the repeats and B/A are printed.
 * A companion of bench/run.ts for the raw feed, which has no Socket.IO side to compare.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { createTestDatabase, dropTestDatabase } from '../test/support/database';
import { startPostgres } from '../test/support/services';

const ROOT = path.resolve(__dirname, '..');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Server A: bare ws, same options and per-peer drop rule as Herald's feed; frames the size of Herald's. */
const BARE_SERVER = `
const http = require('node:http');
const { WebSocketServer, WebSocket } = require('ws');
const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: 1024, perMessageDeflate: false, skipUTF8Validation: true });
const peers = new Set();
const server = http.createServer((_q, r) => r.end());
server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => { peers.add(ws); ws.on('close', () => peers.delete(ws)); }));
const LIMIT = 4 * 1024 * 1024;
let n = 0;
function publish() {
  const frame = Buffer.from(JSON.stringify({ type: 'killmail', data: { killmailId: 120000000 + n, timestamp: '2024-10-22T10:30:00.000Z', victimId: 2112625428, victimCorporationId: 98765432, victimAllianceId: 99999999, systemId: 30000142, shipTypeId: 587, attackerCount: 1 }, timestamp: Date.now(), offset: String(++n) }));
  for (const ws of peers) { if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount + frame.length > LIMIT) continue; ws.send(frame, { binary: false }); }
}
server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));
process.on('message', (m) => run(m, publish));
`;

/** Server B: Herald from dist/, publishing through KillmailService.ingest (the HTTP route's path, minus HTTP). */
const HERALD_SERVER = `
const { startHerald } = require(${JSON.stringify(path.join(ROOT, 'dist/bootstrap.js'))});
const { KillmailService } = require(${JSON.stringify(path.join(ROOT, 'dist/modules/killmail/killmail.service.js'))});
let n = 0;
startHerald({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', DATABASE_URL: process.env.BENCH_DATABASE_URL, JWT_SECRET: 'bench-secret-long-enough-0123456789', LOG_LEVEL: 'error' }).then(({ app }) => {
  const service = app.get(KillmailService);
  const publish = () => { const id = 120000000 + (++n); service.ingest({ killmail_id: id, killmail_time: '2024-10-22T10:30:00Z', solar_system_id: 30000142, victim: { character_id: 2112625428, corporation_id: 98765432, alliance_id: 99999999, ship_type_id: 587 }, attackers: [{ character_id: 90000001, corporation_id: 98000001, final_blow: true }], zkb: { totalValue: 1e7 } }, 'http').catch((e) => { process.send({ error: String(e) }); }); };
  process.send({ ready: true, port: app.getHttpServer().address().port });
  process.on('message', (m) => run(m, publish));
});
`;

/** Shared by both: publish at the commanded rate for the duration, from the scheduled times. */
const RUNNER = `
function run({ rate, durationMs }, publish) {
  const started = Date.now(); const cpu0 = process.cpuUsage(); let sent = 0;
  const total = Math.floor((durationMs / 1000) * rate);
  const tick = () => {
    const due = Math.min(Math.floor(((Date.now() - started) / 1000) * rate), total);
    while (sent < due) { publish(); sent++; }
    if (sent < total) return setTimeout(tick, 5);
    const cpu = process.cpuUsage(cpu0);
    process.send({ done: true, sent, lagMs: Date.now() - started - durationMs, cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / (Date.now() - started)) * 100), rss: process.memoryUsage().rss });
  };
  tick();
}
`;

interface Server {
  child: ChildProcess;
  port: number;
  databaseUrl?: string;
}

async function startServer(kind: 'A' | 'B'): Promise<Server> {
  const databaseUrl = kind === 'B' ? await createTestDatabase('killmail_bench') : undefined;
  const code = RUNNER + (kind === 'A' ? BARE_SERVER : HERALD_SERVER);
  const child = spawn('taskset', ['-c', '0', process.execPath, '-e', code], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { PATH: process.env.PATH ?? '', BENCH_DATABASE_URL: databaseUrl ?? '' },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`server ${kind} exited with ${c}`)));
    child.on('message', (m: { ready?: boolean; port?: number; error?: string }) => {
      if (m.ready) resolve({ child, port: m.port!, databaseUrl });
      if (m.error) console.error(`server ${kind}: ${m.error}`);
    });
  });
}

/** A sink: completes the upgrade by hand, then counts WebSocket frames from their headers. */
function sink(port: number, counter: { frames: number; lastAt: number }): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () =>
      socket.write(
        `GET /updates HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    let handshake = '';
    let carry: Buffer | undefined; // a frame header split across chunks
    let skip = 0; // payload bytes of the current frame still to come
    const onFrames = (chunk: Buffer) => {
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = undefined;
      let i = 0;
      while (i < buf.length) {
        if (skip > 0) {
          const take = Math.min(skip, buf.length - i);
          skip -= take;
          i += take;
          continue;
        }
        const len7 = buf.length - i >= 2 ? buf[i + 1] & 127 : 0;
        const headerLength = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0);
        if (buf.length - i < headerLength) {
          carry = buf.subarray(i);
          break;
        }
        skip = len7 === 126 ? buf.readUInt16BE(i + 2) : len7 === 127 ? Number(buf.readBigUInt64BE(i + 2)) : len7;
        i += headerLength;
        counter.frames++;
        counter.lastAt = Date.now();
      }
    };
    const onData = (chunk: Buffer) => {
      handshake += chunk.toString('latin1');
      const end = handshake.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      if (!handshake.startsWith('HTTP/1.1 101')) return reject(new Error(handshake.split('\r\n')[0]));
      socket.on('data', onFrames);
      // Read in bursts: the kernel coalesces frames meanwhile, so one read event carries many
      // and the load side stays far cheaper than the server side it measures.
      const reader = setInterval(() => {
        socket.resume();
        setTimeout(() => socket.pause(), 10);
      }, 100);
      socket.once('close', () => clearInterval(reader));
      const rest = Buffer.from(handshake.slice(end + 4), 'latin1');
      if (rest.length) onFrames(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(kind: 'A' | 'B', peers: number, rates: number[], stepMs: number) {
  const server = await startServer(kind);
  const counter = { frames: 0, lastAt: 0 };
  const sockets: net.Socket[] = [];
  for (let i = 0; i < peers; i += 50) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, peers - i) }, () => sink(server.port, counter)))));
  }
  const results: Array<{ rate: number; sent: number; deliveredPerSec: number; expectedPerSec: number; lost: number; cpuPct: number; rssMb: number }> = [];
  type Done = { done?: boolean; sent: number; cpuPct: number; rss: number };
  for (const rate of rates) {
    const before = counter.frames;
    const stepStart = Date.now();
    const done = new Promise<Done>((resolve) => {
      const onMsg = (m: Done) => {
        if (!m.done) return;
        server.child.off('message', onMsg);
        resolve(m);
      };
      server.child.on('message', onMsg);
    });
    server.child.send({ rate, durationMs: stepMs });
    const { sent, cpuPct, rss } = await done;
    // let in-flight frames land: until the count stops moving (frames are not lost, only late)
    for (let last = -1; last !== counter.frames; ) {
      last = counter.frames;
      await new Promise((r) => setTimeout(r, 300));
    }
    // over the time until the last frame landed: a server that falls behind stretches it
    const seconds = Math.max(stepMs, counter.lastAt - stepStart) / 1000;
    const received = counter.frames - before;
    results.push({ rate, sent, deliveredPerSec: Math.round(received / seconds), expectedPerSec: Math.round((sent * peers) / seconds), lost: sent * peers - received, cpuPct, rssMb: Math.round(rss / 1e6) });
  }
  sockets.forEach((s) => s.destroy());
  server.child.kill('SIGKILL');
  if (server.databaseUrl) await dropTestDatabase(server.databaseUrl).catch(() => undefined);
  return results;
}

async function main() {
  const pg = await startPostgres();
  process.env.HERALD_TEST_PG_URL = pg.url;
  try {
    await bench();
  } finally {
    await pg.stop();
  }
}

async function bench() {
  const peers = arg('peers', 1000);
  const repeats = arg('repeats', 3);
  const stepMs = arg('step-ms', 3000);
  const rates = [50, 100, 200, 400, 800];
  const runs: Record<'A' | 'B', Array<Awaited<ReturnType<typeof measure>>>> = { A: [], B: [] };
  for (let r = 0; r < repeats; r++) {
    for (const kind of ['A', 'B'] as const) runs[kind].push(await measure(kind, peers, rates, stepMs));
  }
  console.log(`raw feed fan-out to ${peers} peers, ${repeats} repeats, ${stepMs} ms per step (medians)`);
  console.log('killmails/s | A delivered/s | B delivered/s | B/A | A lost | B lost | A cpu% | B cpu% | B rss MB');
  const med = (kind: 'A' | 'B', i: number, key: 'deliveredPerSec' | 'lost' | 'cpuPct' | 'rssMb') => median(runs[kind].map((run) => run[i][key]));
  const rows = rates.map((rate, i) => {
    const row = { rate, a: med('A', i, 'deliveredPerSec'), b: med('B', i, 'deliveredPerSec'), aLost: med('A', i, 'lost'), bLost: med('B', i, 'lost'), aCpu: med('A', i, 'cpuPct'), bCpu: med('B', i, 'cpuPct'), bRss: med('B', i, 'rssMb') };
    console.log(`${rate} | ${row.a} | ${row.b} | ${(row.a ? row.b / row.a : 0).toFixed(2)} | ${row.aLost} | ${row.bLost} | ${row.aCpu} | ${row.bCpu} | ${row.bRss}`);
    return row;
  });
  console.log(JSON.stringify({ peers, repeats, stepMs, rows, runs }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
