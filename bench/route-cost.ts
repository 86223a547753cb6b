/**
 * `npm run bench:route -- [--route intelligence|notifications|single] [--batch 500] [--rounds 80] [--repeats 3]`:
 * what the server spends per item of a batch route, end to end through the app (routing,
 * auth, validation, the transaction, the emits, the answer), on a host too noisy for P9's
 * server figures to tell a few microseconds apart. `single` is P5's and P8's route instead,
 * `POST /api/intelligence/updates`: `--batch` requests are kept in flight together (default
 * 16 for it), so concurrent publishes share group commits as they do under load, and a round
 * is one such wave.
 *
 * One process runs Herald (the whole app, as the e2e tests start it) on the server core and
 * posts the batches to it one after another through Fastify's `inject`: no socket and no HTTP
 * parser, so the figure is the app's own work. PostgreSQL runs on the other core. Request
 * bodies are written before the clock starts and the answers are checked after it stops, so
 * this process's CPU over the rounds is the server's: its user+sys time per created item,
 * the garbage collector's pauses per item (V8's `gc` entries) and PostgreSQL's CPU per item.
 * Unread-count rounds that follow a notification batch run inside the rounds, as they do in
 * production. To compare two commits, run it in a worktree of each, alternately.
 */
import { Logger } from '@nestjs/common';
import { startTestApp } from '../test/support/app';
import { serviceToken } from '../test/support/tokens';
import { itemTemplate } from './lib/item-template';
import { startPinnedPostgres } from './lib/pinned-postgres';
import { processTreeCpuSeconds } from './lib/proc';
import { median } from './lib/stats';
import { P9_ITEMS_PER_BATCH } from './scenarios/batch';
import { BATCH_ROUTES, ROUTES } from './scenarios/routes';
import { BATCH_MAX_ITEMS } from '../src/core/realtime/publish-batch';
import { gcPauses, windowProfiler } from './servers/agent';
import type { BenchPayload } from './servers/payload';

const ROUTE_NAMES = ['intelligence', 'notifications', 'single'] as const;
/** Requests in flight at once on the single route when --batch is not given. */
const SINGLE_IN_FLIGHT = 16;
type RouteName = (typeof ROUTE_NAMES)[number];
const ROOMS = 10;
/** Items posted before the clock starts, whatever the round's size: the JIT and the pools settle first. */
const WARMUP_ITEMS = 20_000;

interface Args {
  routes: RouteName[];
  batch: number;
  rounds: number;
  repeats: number;
  /** Profile the measured rounds (CPU or allocations, as the bench's --profile / --alloc-profile) into this directory. */
  profile?: { kind: 'cpu' | 'alloc'; dir: string };
}

const USAGE =
  'usage: npm run bench:route -- [--route intelligence|notifications|single] [--batch 1-500] [--rounds N] [--repeats N] [--profile cpu|alloc DIR]\n';

function parseArgs(argv: string[]): Args | 'help' {
  const args: Args = { routes: ['intelligence', 'notifications'], batch: 0, rounds: 80, repeats: 3 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--help' || flag === '-h') return 'help';
    const count = (max: number) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${flag} needs a whole number from 1 to ${max}\n${USAGE}`);
      i++;
      return n;
    };
    if (flag === '--route') {
      if (!ROUTE_NAMES.includes(value as RouteName)) throw new Error(`--route is one of ${ROUTE_NAMES.join(', ')}\n${USAGE}`);
      args.routes = [value as RouteName];
      i++;
    } else if (flag === '--batch') args.batch = count(BATCH_MAX_ITEMS);
    else if (flag === '--rounds') args.rounds = count(10_000);
    else if (flag === '--repeats') args.repeats = count(100);
    else if (flag === '--profile') {
      const dir = argv[i + 2];
      if ((value !== 'cpu' && value !== 'alloc') || !dir) throw new Error(`--profile needs cpu or alloc and a directory\n${USAGE}`);
      args.profile = { kind: value, dir };
      i += 2;
    } else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  return args;
}

interface Repeat {
  serverUs: number;
  gcUs: number;
  databaseUs: number;
  roundMs: number;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  Logger.overrideLogger(['error', 'warn']);
  const { pg, postgresPid } = await startPinnedPostgres(log);
  const gc = gcPauses();
  const lines = ['| route | items per round | server CPU µs per item | of which GC pauses | PostgreSQL CPU µs per item | wall ms per round |', '|---|---|---|---|---|---|'];
  try {
    for (const name of args.routes) {
      const app = await startTestApp({ env: { LOG_LEVEL: 'error' } });
      try {
        const repeats = await measureRoute(app.app.getHttpAdapter().getInstance(), name, args, postgresPid, gc.total, log);
        const m = (pick: (r: Repeat) => number) => median(repeats.map(pick))!.toFixed(1);
        lines.push(`| ${name} | ${sizeOf(name, args)} | ${m((r) => r.serverUs)} | ${m((r) => r.gcUs)} | ${postgresPid ? m((r) => r.databaseUs) : 'n/a'} | ${m((r) => r.roundMs)} |`);
      } finally {
        await app.close();
      }
    }
  } finally {
    await pg.stop();
  }
  process.stdout.write(`Medians of ${args.repeats} repeat(s) of ${args.rounds} rounds, one round at a time.\n\n${lines.join('\n')}\n`);
}

interface Answer {
  statusCode: number;
  body: string;
}

interface Injector {
  inject(request: { method: string; url: string; headers: Record<string, string>; payload?: string }): Promise<Answer>;
}

/** What a round posts and how an answer is checked, per route. */
function routeUnderTest(name: RouteName, size: number) {
  if (name === 'single') {
    const route = ROUTES.intelligence;
    return {
      path: route.path,
      rooms: Array.from({ length: ROOMS }, (_, r) => route.room(r)),
      setup: route.setup,
      item: (room: string, payload: BenchPayload) => route.body(room, payload),
      // `size` requests of one item each, all in flight together.
      round: (items: string[]) => items,
      answered: (res: Answer) => res.statusCode === 201,
    };
  }
  const route = BATCH_ROUTES[name];
  return {
    path: route.path,
    rooms: Array.from({ length: ROOMS }, (_, r) => route.room(r)),
    setup: 'setup' in route ? route.setup : undefined,
    item: (room: string, payload: BenchPayload, key: string) => route.item(room, payload, key),
    // One request carrying `size` items.
    round: (items: string[]) => [`{"items":[${items.join(',')}]}`],
    answered: (res: Answer) => res.statusCode === 200 && (JSON.parse(res.body) as { created?: number }).created === size,
  };
}

async function measureRoute(
  server: Injector,
  name: RouteName,
  args: Args,
  postgresPid: number | undefined,
  gcMsNow: () => number,
  log: (line: string) => void,
): Promise<Repeat[]> {
  const size = sizeOf(name, args);
  const route = routeUnderTest(name, size);
  const headers = { authorization: `Bearer ${serviceToken('bench-route')}`, 'content-type': 'application/json' };
  for (const request of route.setup?.(route.rooms) ?? []) {
    const res = await server.inject({ method: request.method, url: request.path, headers, payload: JSON.stringify(request.body) });
    if (res.statusCode >= 300) throw new Error(`setup ${request.method} ${request.path} answered ${res.statusCode}: ${res.body}`);
  }
  const writers = route.rooms.map((room) => itemTemplate((payload, key) => route.item(room, payload, key), `${room}#0`, 'x'.repeat(64)));
  let seq = 0;
  const runKey = `route-${process.pid}-${Date.now().toString(36)}`;
  const round = () => {
    const t = process.hrtime.bigint().toString();
    const items: string[] = [];
    for (let i = 0; i < size; i++, seq++) items.push(writers[seq % ROOMS]({ seq: seq + 1, t, key: `${runKey}-${seq}` }));
    return route.round(items);
  };
  const post = (payload: string) => server.inject({ method: 'POST', url: route.path, headers, payload });
  const run = async (rounds: string[][]) => {
    const answers: Answer[] = [];
    for (const requests of rounds) answers.push(...(await Promise.all(requests.map(post))));
    return answers;
  };
  const check = (answers: Answer[]) => {
    const bad = answers.find((res) => !route.answered(res));
    if (bad) throw new Error(`POST ${route.path} answered ${bad.statusCode}: ${bad.body.slice(0, 300)}`);
  };

  check(await run(Array.from({ length: Math.ceil(WARMUP_ITEMS / size) }, round)));
  // One profile per route over all its measured rounds (window-<n> in the directory, as the bench writes them).
  const profiler = windowProfiler(args.profile?.dir, args.profile?.kind);
  await profiler.start();
  const repeats: Repeat[] = [];
  for (let r = 0; r < args.repeats; r++) {
    const rounds = Array.from({ length: args.rounds }, round);
    // Settle what the warm-up or the previous repeat left running (count rounds, the poll).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cpu0 = process.cpuUsage();
    const gc0 = gcMsNow();
    const db0 = postgresPid ? processTreeCpuSeconds(postgresPid) : 0;
    const t0 = process.hrtime.bigint();
    const answers = await run(rounds);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    const db = postgresPid ? processTreeCpuSeconds(postgresPid) - db0 : 0;
    const gcMs = gcMsNow() - gc0;
    check(answers);
    const items = args.rounds * size;
    const repeat = {
      serverUs: (cpu.user + cpu.system) / items,
      gcUs: (gcMs * 1000) / items,
      databaseUs: (db * 1e6) / items,
      roundMs: wallMs / args.rounds,
    };
    log(`  ${name} #${r + 1}: server ${repeat.serverUs.toFixed(1)} µs per item (GC ${repeat.gcUs.toFixed(1)}), PostgreSQL ${repeat.databaseUs.toFixed(1)} µs, ${repeat.roundMs.toFixed(1)} ms per round`);
    repeats.push(repeat);
  }
  await profiler.stop();
  return repeats;
}

function sizeOf(name: RouteName, args: Args): number {
  return args.batch || (name === 'single' ? SINGLE_IN_FLIGHT : P9_ITEMS_PER_BATCH);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
