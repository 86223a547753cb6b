/**
 * Property: random interleavings of publishes on two instances, Redis going away and
 * coming back → every socket's received log equals the server's log for its rooms: every
 * event, once, in offset order. Two in-process instances on a real PostgreSQL and a Redis
 * this suite may kill.
 */
import fc from 'fast-check';
import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import { startTestApp, type TestApp } from '../support/app';
import { collect, connect, emitAck, eventually, sleep } from '../support/clients';
import { EventLogService } from '../../src/core/realtime';
import { FIXTURE_NS, FixtureModule, FixturePublisher } from '../support/fixture.module';
import { startRedis, type RedisHandle } from '../support/services';
import { token } from '../support/tokens';

jest.setTimeout(120_000);

type Step =
  | { kind: 'publish'; on: 0 | 1; rooms: number[] }
  | { kind: 'pause'; ms: number }
  | { kind: 'drop' }
  | { kind: 'reconnect' }
  /** A new socket subscribes mid-run with `since` = the run's start: replay, then live. */
  | { kind: 'join'; on: 0 | 1; rooms: number[] }
  /** A client fails over: a new socket on the other instance, same rooms, `since` = the last offset the old one got. */
  | { kind: 'resume'; socket: number };

const ROOMS = 3;
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('publish' as const), on: fc.constantFrom(0 as const, 1 as const), rooms: fc.uniqueArray(fc.nat(ROOMS - 1), { minLength: 1, maxLength: ROOMS }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resume' as const), socket: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('join' as const), on: fc.constantFrom(0 as const, 1 as const), rooms: fc.uniqueArray(fc.nat(ROOMS - 1), { minLength: 1, maxLength: ROOMS }) }) },
);

/** Offsets of the fixture events routed to any of `rooms` after `after`, in order: what a socket in those rooms must hold. */
async function serverLogFor(databaseUrl: string, rooms: string[], after: bigint): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ seq: string }>(
      `SELECT DISTINCT s.seq, s.seq::text AS text FROM event_room_runs r CROSS JOIN LATERAL unnest(r.seqs) AS s(seq)
        WHERE r.namespace = $1 AND r.room = ANY($2::text[]) AND s.seq > $3::bigint ORDER BY s.seq`,
      [FIXTURE_NS, rooms, after.toString()],
    );
    return rows.map((r) => (r as unknown as { text: string }).text);
  } finally {
    await client.end();
  }
}

describe('property: each socket receives exactly the log of its rooms through adapter drops', () => {
  let redis: RedisHandle;
  let apps: TestApp[];
  let run = 0;

  beforeAll(async () => {
    redis = await startRedis();
    const first = await startTestApp({ modules: [FixtureModule], redisUrl: redis.url });
    apps = [first, await startTestApp({ modules: [FixtureModule], redisUrl: redis.url, redis: first.redisPrefix, databaseUrl: first.databaseUrl })];
  });
  afterAll(async () => {
    for (const app of [...(apps ?? [])].reverse()) await app.close();
    await redis?.stop();
  });

  it('holds for random interleavings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), async (steps) => {
        run++;
        const rooms = Array.from({ length: ROOMS }, (_, k) => `test:prop-${run}-${k}`);
        // four sockets, two per instance, each in its own subset of the rooms
        const memberships = [[0], [1, 2], [0, 1, 2], [2]].map((ks) => ks.map((k) => rooms[k]));
        const sockets: Socket[] = [];
        const logs: Array<Array<{ offset: string }>> = [];
        // per socket: the instance it is on and the offset its log must start after (undefined: the run's start)
        const placement: Array<{ on: number; since?: bigint }> = [];
        let up = true;
        const join = async (on: number, member: string[], since?: bigint) => {
          const s = await connect(apps[on].url, FIXTURE_NS, { token: token(`prop-${run}-${sockets.length}`) });
          sockets.push(s);
          placement.push({ on, since });
          logs.push(collect<{ offset: string }>(s, 'fixture:event'));
          await emitAck(s, 'subscribe', since === undefined ? { rooms: member } : { rooms: member, since: since.toString() });
        };
        try {
          for (const [i, member] of memberships.entries()) await join(i % 2, member);
          const after = BigInt(await apps[0].get(EventLogService).lastOffset());
          const inFlight: Promise<unknown>[] = [];
          let n = 0;
          for (const s of steps) {
            if (s.kind === 'publish') {
              inFlight.push(apps[s.on].get(FixturePublisher).event(n++, s.rooms.map((k) => rooms[k])));
            } else if (s.kind === 'pause') {
              await sleep(s.ms);
            } else if (s.kind === 'drop' && up) {
              await redis.kill();
              up = false;
            } else if (s.kind === 'reconnect' && !up) {
              await redis.start();
              up = true;
            } else if (s.kind === 'join') {
              const member = s.rooms.map((k) => rooms[k]);
              memberships.push(member);
              await join(s.on, member, after);
            } else if (s.kind === 'resume') {
              const from = s.socket % sockets.length;
              const got = logs[from];
              const since = got.length ? BigInt(got[got.length - 1].offset) : (placement[from].since ?? after);
              memberships.push(memberships[from]);
              await join(1 - placement[from].on, memberships[from], since);
            }
          }
          await Promise.all(inFlight);
          if (!up) await redis.start();
          up = true;

          const expected = await Promise.all(
            memberships.map((member, i) => serverLogFor(apps[0].databaseUrl, member, placement[i].since ?? after)),
          );
          await eventually(() => logs.every((log, i) => log.length >= expected[i].length), 15_000).catch(() => undefined);
          await sleep(100); // a repeat would arrive now
          for (const [i, log] of logs.entries()) {
            expect({ socket: i, offsets: log.map((e) => e.offset) }).toEqual({ socket: i, offsets: expected[i] });
          }
        } finally {
          sockets.forEach((s) => s.close());
          if (!up) await redis.start();
        }
      }),
      { numRuns: 10 },
    );
  });
});
