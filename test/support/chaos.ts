/**
 * Pieces of the chaos suites: clients that fail over between instances and resume with
 * `since` like a real SDK, and a paced publisher that retries on another instance with the
 * same idempotency key. Both record what happened, for the suite to compare with the log.
 */
import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import { connect, emitAck, http, sleep } from './clients';

export interface Received {
  n: number;
  offset: bigint;
  /** When this client first held it (ms since the epoch). */
  at: number;
}

/**
 * One client of one namespace: subscribes to `rooms` with `since`, keeps what it holds by
 * offset (ignoring offsets it already holds), and when its connection drops reconnects to
 * the first instance that answers and resumes from the highest offset it holds.
 */
export class ResumingClient {
  /** What the client holds, in the order it first got each offset. */
  readonly held: Received[] = [];
  /** Every delivery, per connection: offsets as they arrived (duplicates and order visible). */
  readonly connections: bigint[][] = [];
  private readonly seen = new Set<bigint>();
  private socket: Socket | undefined;
  private stopped = false;
  failovers = 0;
  /** Deliveries of an offset the client already held (from an earlier connection: the dedupe at work). */
  redelivered = 0;

  constructor(
    private readonly name: string,
    private readonly namespace: string,
    private readonly token: string,
    private readonly rooms: string[],
    private readonly event: string,
    /** Instances to try, preferred first; read anew on each reconnect. */
    private readonly instances: () => string[],
  ) {}

  get lastOffset(): bigint {
    let max = 0n;
    for (const e of this.held) if (e.offset > max) max = e.offset;
    return max;
  }

  async start(): Promise<void> {
    await this.attach();
  }

  private async attach(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const urls = this.instances();
      const url = urls[attempt % urls.length];
      try {
        const socket = await connect(url, this.namespace, { token: this.token });
        const deliveries: bigint[] = [];
        this.connections.push(deliveries);
        socket.on(this.event, (payload: { n: number; offset: string }) => {
          const offset = BigInt(payload.offset);
          deliveries.push(offset);
          if (this.seen.has(offset)) {
            this.redelivered++;
            return;
          }
          this.seen.add(offset);
          this.held.push({ n: payload.n, offset, at: Date.now() });
        });
        const ack = await emitAck<{ success: boolean }>(socket, 'subscribe', { rooms: this.rooms, since: String(this.lastOffset) });
        if (!ack.success) throw new Error(`${this.name}: subscribe refused`);
        socket.once('disconnect', () => {
          if (this.stopped) return;
          this.failovers++;
          void this.attach();
        });
        this.socket = socket;
        return;
      } catch {
        await sleep(100);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
  }
}

export interface PacedPublish {
  n: number;
  key: string;
  /** When the publish was first attempted and when an instance acknowledged it. */
  startedAt: number;
  doneAt?: number;
  attempts: number;
}

/**
 * Publishes `count` fixture events at `perSecond`, alternating between the instances that
 * `instances()` lists, each with its own idempotency key. A publish that fails (instance
 * gone, 5xx) is retried on the next instance with the same key, so it is stored once.
 * `at(n)` runs just before publish n is sent (the suite's fault schedule).
 */
export async function pacedPublish(options: {
  count: number;
  perSecond: number;
  rooms: string[];
  token: string;
  instances: () => string[];
  keyPrefix: string;
  at?: (n: number) => void;
}): Promise<PacedPublish[]> {
  const started = Date.now();
  const results: PacedPublish[] = [];
  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < options.count; n++) {
    const due = started + (n * 1000) / options.perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    options.at?.(n);
    const record: PacedPublish = { n, key: `${options.keyPrefix}-${n}`, startedAt: Date.now(), attempts: 0 };
    results.push(record);
    inFlight.push(
      (async () => {
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          const urls = options.instances();
          const url = urls[(n + record.attempts) % urls.length];
          record.attempts++;
          try {
            const res = await http(url, 'POST', '/api/fixture/publish', {
              token: options.token,
              body: { n, rooms: options.rooms, idempotencyKey: record.key },
            });
            if (res.status === 200 || res.status === 201) {
              record.doneAt = Date.now();
              return;
            }
          } catch {
            // the instance is gone: the next attempt goes to another one
          }
          await sleep(100);
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  return results;
}

/** The log as the server holds it: n of every event in `namespace`, in offset order. */
export async function serverLog(databaseUrl: string, namespace: string): Promise<Array<{ n: number; offset: bigint }>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ offset: string; n: number }>(
      `SELECT e.seq::text AS offset, (e.payload->>'n')::int AS n FROM events e WHERE e.namespace = $1 AND e.event = 'fixture:event' ORDER BY e.seq`,
      [namespace],
    );
    return rows.map((r) => ({ n: r.n, offset: BigInt(r.offset) }));
  } finally {
    await client.end();
  }
}

/** Per connection: deliveries that went backwards or repeated (0 when each socket got its events in order, once). */
export function outOfOrderDeliveries(connections: bigint[][]): number {
  let bad = 0;
  for (const deliveries of connections) {
    for (let i = 1; i < deliveries.length; i++) if (deliveries[i] <= deliveries[i - 1]) bad++;
  }
  return bad;
}
