/**
 * P5's publisher: POSTs events to Herald's HTTP API at a scheduled rate, one keep-alive
 * connection per room with one request in flight on it, so each room's events are sent in
 * order and a slow server shows up as latency (stamps are the scheduled send times).
 */
import { Agent, request } from 'node:http';
import { serve } from '../lib/ipc';
import { summarize, type LatencySummary } from '../lib/stats';
import { benchToken } from '../lib/tokens';
import { ROUTES } from '../scenarios/routes';

export interface HttpRun {
  url: string;
  route: keyof typeof ROUTES;
  rooms: string[];
  /** Requests per second over all rooms. */
  rate: number;
  durationMs: number;
  payloadBytes: number;
}

export interface HttpReport {
  scheduled: number;
  ok: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
  perRoom: Record<string, number>;
  responseMs: LatencySummary;
}

function post(agent: Agent, url: URL, path: string, token: string, body: string): Promise<number> {
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
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

async function run(args: HttpRun): Promise<HttpReport> {
  const url = new URL(args.url);
  const route = ROUTES[args.route];
  const token = benchToken('bench-publisher', ['service']);
  const pad = 'x'.repeat(args.payloadBytes);
  const perRoomRate = args.rate / args.rooms.length;
  const perRoomCount = Math.max(1, Math.round((perRoomRate * args.durationMs) / 1000));
  const intervalNs = 1e9 / perRoomRate;
  const report: HttpReport = { scheduled: perRoomCount * args.rooms.length, ok: 0, failed: 0, elapsedMs: 0, perRoom: {}, responseMs: { count: 0 } };
  const responses: number[] = [];
  const start = process.hrtime.bigint();
  await Promise.all(
    args.rooms.map(async (room, r) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      // Rooms are staggered over one interval so that requests are spread evenly.
      const offset = BigInt(Math.round((r / args.rooms.length) * intervalNs));
      for (let k = 0; k < perRoomCount; k++) {
        const due = start + offset + BigInt(Math.round(k * intervalNs));
        const wait = Number(due - process.hrtime.bigint()) / 1e6;
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        const body = JSON.stringify(route.body(room, { room, seq: k + 1, t: due.toString(), pad }));
        const sent = process.hrtime.bigint();
        try {
          const status = await post(agent, url, route.path, token, body);
          if (status >= 200 && status < 300) {
            report.ok++;
            report.perRoom[room] = (report.perRoom[room] ?? 0) + 1;
          } else {
            report.failed++;
            report.firstError ??= `HTTP ${status}`;
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

serve({ run }, { pid: process.pid });
