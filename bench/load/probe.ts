/**
 * The probe: a handful of full socket.io-client clients that parse every event, measure
 * latency from the payload's scheduled-send stamp (process.hrtime.bigint(), one monotonic
 * clock for every process on the host) and check per-room order and gaps.
 */
import { io, type Socket } from 'socket.io-client';
import { serve } from '../lib/ipc';
import { Reservoir, summarize, type LatencySummary } from '../lib/stats';
import { benchToken } from '../lib/tokens';
import type { JoinEmit } from '../scenarios/routes';

export interface ProbeConnect {
  url: string;
  namespace: string;
  /** `emits`: acknowledged events that join the client's room (a real module's subscribe); else `bench:ready`. */
  clients: Array<{ rooms: string[]; emits?: JoinEmit[] }>;
  token?: { subPrefix: string };
  /** The event carrying the stamp; default: any event that has one. */
  event?: string;
}

export interface ProbeReport {
  latencyMs: LatencySummary;
  received: number;
  /** Events that arrived with a sequence number lower than or equal to one already seen. */
  disorder: number;
  /** Sequence numbers skipped (lost or still in flight). */
  gaps: number;
  /** Highest seq per room seen by every client of that room (the minimum across clients). */
  lastSeq: Record<string, number>;
}

interface Stamp {
  room: string;
  seq: number;
  t: string;
}

const sockets: Socket[] = [];
const last: Array<Map<string, number>> = [];
const samples = new Reservoir();
let received = 0;
let disorder = 0;
let gaps = 0;

/** Finds the bench stamp at the top of a payload or nested as real modules carry it (`data`, `data.details`). */
function stampOf(payload: unknown): Stamp | undefined {
  const isStamp = (x: unknown): x is Stamp => {
    const c = x as Partial<Stamp> | undefined;
    return !!c && typeof c.t === 'string' && typeof c.seq === 'number' && typeof c.room === 'string';
  };
  const p = payload as { data?: { details?: unknown } } | undefined;
  for (const candidate of [payload, p?.data, p?.data?.details]) if (isStamp(candidate)) return candidate;
  return undefined;
}

async function connect(args: ProbeConnect): Promise<{ connected: number }> {
  await Promise.all(
    args.clients.map(
      (spec, i) =>
        new Promise<void>((resolve, reject) => {
          const seen = new Map<string, number>();
          const socket = io(`${args.url}${args.namespace}`, {
            transports: ['websocket'],
            forceNew: true,
            reconnection: false,
            timeout: 20_000,
            auth: { ...(args.token ? { token: benchToken(`${args.token.subPrefix}${i}`) } : {}), rooms: spec.rooms },
          });
          const emits = spec.emits ?? [];
          if (emits.length) {
            socket.once('connect', () => {
              void (async () => {
                for (const e of emits) {
                  const ack = (await socket.timeout(20_000).emitWithAck(e.event, e.data)) as { success?: boolean };
                  if (ack?.success !== true) return reject(new Error(`probe ${i}: ${e.event} refused: ${JSON.stringify(ack)}`));
                }
                resolve();
              })().catch(reject);
            });
          }
          socket.onAny((event: string, payload: unknown) => {
            if (event === 'bench:ready' && !emits.length) return resolve();
            if (args.event && event !== args.event) return;
            const stamp = stampOf(payload);
            if (!stamp) return;
            const now = process.hrtime.bigint();
            received++;
            samples.add(Number(now - BigInt(stamp.t)) / 1e6);
            const prev = seen.get(stamp.room);
            if (prev !== undefined) {
              if (stamp.seq <= prev) disorder++;
              else gaps += stamp.seq - prev - 1;
            }
            if (prev === undefined || stamp.seq > prev) seen.set(stamp.room, stamp.seq);
          });
          socket.once('connect_error', (err) => reject(new Error(`probe ${i}: ${err.message}`)));
          sockets.push(socket);
          last.push(seen);
        }),
    ),
  );
  return { connected: sockets.length };
}

function reset(): void {
  samples.clear();
  received = 0;
  disorder = 0;
  gaps = 0;
}

function report(args: { reset?: boolean }): ProbeReport {
  const lastSeq: Record<string, number> = {};
  for (const seen of last) {
    for (const [room, seq] of seen) lastSeq[room] = Math.min(lastSeq[room] ?? Number.MAX_SAFE_INTEGER, seq);
  }
  const r: ProbeReport = { latencyMs: summarize(samples.values()), received, disorder, gaps, lastSeq };
  if (args.reset) reset();
  return r;
}

serve(
  {
    connect,
    reset,
    report,
    close: () => {
      for (const s of sockets.splice(0)) s.close();
      last.length = 0;
      reset();
    },
  },
  { pid: process.pid },
);
