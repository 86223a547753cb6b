/**
 * `npm run bench:route -- [--route intelligence|notifications] [--batch 500] [--rounds 80] [--repeats 3]`:
 * what the server spends per item of a batch route, end to end through the app (routing,
 * auth, validation, the transaction, the emits, the answer), on a host too noisy for P9's
 * server figures to tell a few microseconds apart.
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
import { PerformanceObserver } from 'node:perf_hooks';
import { startTestApp } from '../test/support/app';
import { startPostgres } from '../test/support/services';
import { serviceToken } from '../test/support/tokens';
import { canPin } from './lib/ipc';
import { itemTemplate } from './lib/item-template';
import { findPids, pinProcessTree, processTreeCpuSeconds } from './lib/proc';
import { median } from './lib/stats';
import { BATCH_ROUTES } from './scenarios/routes';
import { LOAD_CORE, SERVER_CORE } from './scenarios/context';

const ROUTES = ['intelligence', 'notifications'] as const;
type RouteName = (typeof ROUTES)[number];
const ROOMS = 10;
const WARMUP_ROUNDS = 40;

interface Args {
  routes: RouteName[];
  batch: number;
  rounds: number;
  repeats: number;
}

const USAGE = 'usage: npm run bench:route -- [--route intelligence|notifications] [--batch 1-500] [--rounds N] [--repeats N]\n';

function parseArgs(argv: string[]): Args | 'help' {
  const args: Args = { routes: [...ROUTES], batch: 500, rounds: 80, repeats: 3 };
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
      if (!ROUTES.includes(value as RouteName)) throw new Error(`--route is one of ${ROUTES.join(', ')}\n${USAGE}`);
      args.routes = [value as RouteName];
      i++;
    } else if (flag === '--batch') args.batch = count(500);
    else if (flag === '--rounds') args.rounds = count(10_000);
    else if (flag === '--repeats') args.repeats = count(100);
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  return args;
}

interface Repeat {
  serverUs: number;
  gcUs: number;
  databaseUs: number;
  batchMs: number;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  Logger.overrideLogger(['error', 'warn']);
  log('starting PostgreSQL …');
  const pg = await startPostgres();
  process.env.HERALD_TEST_PG_URL = pg.url;
  const postgresPid = findPids([`-p ${pg.port} `, '-D '])[0];
  if (canPin()) {
    if (!pinProcessTree(process.pid, SERVER_CORE)) log('! could not pin this process');
    if (postgresPid && !pinProcessTree(postgresPid, LOAD_CORE)) log('! could not pin PostgreSQL');
  } else log('! taskset is not available: nothing is pinned');
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  const lines = ['| route | server CPU µs per item | of which GC pauses | PostgreSQL CPU µs per item | wall ms per batch |', '|---|---|---|---|---|'];
  try {
    for (const name of args.routes) {
      const app = await startTestApp({ env: { LOG_LEVEL: 'error' } });
      try {
        const repeats = await measureRoute(app.app.getHttpAdapter().getInstance(), name, args, postgresPid, () => gcMs, log);
        const m = (pick: (r: Repeat) => number) => median(repeats.map(pick))!.toFixed(1);
        lines.push(`| ${name} | ${m((r) => r.serverUs)} | ${m((r) => r.gcUs)} | ${postgresPid ? m((r) => r.databaseUs) : 'n/a'} | ${m((r) => r.batchMs)} |`);
      } finally {
        await app.close();
      }
    }
  } finally {
    gc.disconnect();
    await pg.stop();
  }
  process.stdout.write(`Medians of ${args.repeats} repeat(s) of ${args.rounds} batches of ${args.batch} items, one at a time.\n\n${lines.join('\n')}\n`);
}

interface Injector {
  inject(request: { method: string; url: string; headers: Record<string, string>; payload?: string }): Promise<{ statusCode: number; body: string }>;
}

async function measureRoute(
  server: Injector,
  name: RouteName,
  args: Args,
  postgresPid: number | undefined,
  gcMsNow: () => number,
  log: (line: string) => void,
): Promise<Repeat[]> {
  const route = BATCH_ROUTES[name];
  const headers = { authorization: `Bearer ${serviceToken('bench-route')}`, 'content-type': 'application/json' };
  const rooms = Array.from({ length: ROOMS }, (_, r) => route.room(r));
  if ('setup' in route) {
    for (const request of route.setup(rooms)) {
      const res = await server.inject({ method: request.method, url: request.path, headers, payload: JSON.stringify(request.body) });
      if (res.statusCode >= 300) throw new Error(`setup ${request.method} ${request.path} answered ${res.statusCode}: ${res.body}`);
    }
  }
  const writers = rooms.map((room) => itemTemplate((payload, key) => route.item(room, payload, key), `${room}#0`, 'x'.repeat(64)));
  let seq = 0;
  const runKey = `route-${process.pid}-${Date.now().toString(36)}`;
  const body = () => {
    const t = process.hrtime.bigint().toString();
    const items: string[] = [];
    for (let i = 0; i < args.batch; i++, seq++) items.push(writers[seq % ROOMS]({ seq: seq + 1, t, key: `${runKey}-${seq}` }));
    return `{"items":[${items.join(',')}]}`;
  };
  const post = (payload: string) => server.inject({ method: 'POST', url: route.path, headers, payload });
  const check = (answers: Array<{ statusCode: number; body: string }>) => {
    for (const res of answers) {
      const created = res.statusCode === 200 ? (JSON.parse(res.body) as { created?: number }).created : undefined;
      if (created !== args.batch) throw new Error(`POST ${route.path} answered ${res.statusCode}, ${created ?? 'no'} items created: ${res.body.slice(0, 300)}`);
    }
  };

  const warmup = Array.from({ length: WARMUP_ROUNDS }, body);
  const answers = [];
  for (const payload of warmup) answers.push(await post(payload));
  check(answers);
  const repeats: Repeat[] = [];
  for (let r = 0; r < args.repeats; r++) {
    const bodies = Array.from({ length: args.rounds }, body);
    const answered = [];
    // Settle what the warm-up or the previous repeat left running (count rounds, the poll).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cpu0 = process.cpuUsage();
    const gc0 = gcMsNow();
    const db0 = postgresPid ? processTreeCpuSeconds(postgresPid) : 0;
    const t0 = process.hrtime.bigint();
    for (const payload of bodies) answered.push(await post(payload));
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    const db = postgresPid ? processTreeCpuSeconds(postgresPid) - db0 : 0;
    const gcMs = gcMsNow() - gc0;
    check(answered);
    const items = args.rounds * args.batch;
    const repeat = {
      serverUs: (cpu.user + cpu.system) / items,
      gcUs: (gcMs * 1000) / items,
      databaseUs: (db * 1e6) / items,
      batchMs: wallMs / args.rounds,
    };
    log(`  ${name} #${r + 1}: server ${repeat.serverUs.toFixed(1)} µs per item (GC ${repeat.gcUs.toFixed(1)}), PostgreSQL ${repeat.databaseUs.toFixed(1)} µs, ${repeat.batchMs.toFixed(1)} ms per batch`);
    repeats.push(repeat);
  }
  return repeats;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
