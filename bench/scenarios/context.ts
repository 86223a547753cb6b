/**
 * What a scenario run works with: its servers (A or B, one or two instances), load
 * processes (sinks, probe, HTTP publisher) pinned to the load core, and measurement
 * windows (server CPU from /proc, event-loop delay from inside the server, core busy time).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, dropTestDatabase, withDb } from '../../test/support/database';
import { BenchProcess, BENCH_ROOT, sleep } from '../lib/ipc';
import { coreBusyPct, coreStealPct, coreTimes, processTreeCpuSeconds } from '../lib/proc';
import { shippedNodeFlags } from '../lib/shipped';
import { BENCH_JWT_SECRET, benchToken } from '../lib/tokens';
import type { BatchReport, BatchRun, HttpReport, HttpRun } from '../load/http-publisher';
import type { ProbeConnect, ProbeReport } from '../load/probe';
import type { SinkConnect, SinkConnectResult, SinkCounts, SinkSpec } from '../load/sink';
import type { PublishCommand, PublishReport, ServerStats } from '../servers/agent';
import { BENCH_NS } from '../servers/payload';
import type { SetupRequest } from './routes';

export type SystemId = 'A' | 'B';
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;
/** Sink connections per load process: well under the 20,000 open files per process. */
export const SINKS_PER_PROCESS = 2500;

/** CPU samples, every allocation sampled (collected ones too), or only the sampled allocations still alive when the window ends. */
export type ProfileKind = 'cpu' | 'alloc' | 'retained';

export interface SuiteEnv {
  quick: boolean;
  /** PostgreSQL server for B's event log (maintenance URL, CREATE DATABASE allowed). */
  postgresUrl?: string;
  /** Its postmaster's pid, when known: the database's CPU is reported per window. */
  postgresPid?: number;
  redisUrl?: string;
  /** Profile the servers' measurement windows into this directory. */
  profileDir?: string;
  /** CPU time (`.cpuprofile`) or allocations (`.heapprofile`). */
  profileKind?: ProfileKind;
  log: (line: string) => void;
}

export interface ServerInfo {
  url: string;
  port: number;
  pid: number;
  system: string;
}

export interface ServerOptions {
  instances?: number;
  redis?: boolean;
  /** A: keep events in memory for replay (P7). */
  keepLog?: boolean;
  /** A: give the bare server a database for the HTTP routes (P5, P8, P9). */
  database?: boolean;
  /** B: the embedded database (PGlite) in this directory instead of PostgreSQL (P10). */
  embeddedDataDir?: string;
  env?: Record<string, string>;
}

export interface WindowFigures {
  wallMs: number;
  /** Server user+sys CPU over the window, % of one core (summed over instances). */
  serverCpuPct: number;
  /** The servers' garbage-collection pauses over the window, % of its wall time (summed over instances). */
  serverGcPct: number;
  eldP99Ms: number;
  eldMaxMs: number;
  /** Busy % of the server core and the load core from /proc/stat (anyone's work). */
  serverCoreBusyPct: number;
  loadCoreBusyPct: number;
  /** Of that, the share the hypervisor gave to other guests (steal): a slower host, not our work. */
  serverCoreStealPct: number;
  loadCoreStealPct: number;
  /** CPU of our load processes over the window, % of one core. */
  loadProcCpuPct: number;
  /** PostgreSQL (postmaster and backends) over the window, % of one core; pinned to the load core. */
  dbCpuPct?: number;
}

export interface RunResult {
  figures: Record<string, number | undefined>;
  /** Pass/fail facts that are not timings (delivery, order). */
  checks: Record<string, boolean>;
  warnings: string[];
  steps?: Array<Record<string, number | undefined>>;
}

let runCounter = 0;

export class ScenarioRun {
  readonly servers: Array<BenchProcess<ServerInfo>> = [];
  readonly loads: BenchProcess[] = [];
  readonly warnings: string[] = [];
  private databaseUrl: string | undefined;
  private readonly id = ++runCounter;

  constructor(
    readonly env: SuiteEnv,
    readonly system: SystemId,
    readonly label: string,
  ) {}

  async startServers(options: ServerOptions = {}): Promise<Array<BenchProcess<ServerInfo>>> {
    const instances = options.instances ?? 1;
    const needsDb = (this.system === 'B' && !options.embeddedDataDir) || options.database;
    if (needsDb) {
      if (!this.env.postgresUrl) throw new Error('PostgreSQL is needed for this run');
      process.env.HERALD_TEST_PG_URL = this.env.postgresUrl;
      this.databaseUrl = await createTestDatabase('bench');
    }
    if (options.redis && !this.env.redisUrl) throw new Error('Redis is needed for this run');
    const prefix = `bench${process.pid}r${this.id}`;
    for (let i = 0; i < instances; i++) {
      const common: Record<string, string | undefined> = {
        PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: options.redis ? this.env.redisUrl : undefined,
        REDIS_PREFIX: prefix,
        ...options.env,
      };
      const nodeArgs = ['--expose-gc', ...(process.env.BENCH_TRACE_GC ? ['--trace-gc'] : [])];
      if (this.env.profileDir) {
        // Measurement windows only (see windowProfiler in servers/agent.ts), A and B alike.
        const dir = join(this.env.profileDir, `${this.label}-${this.system}${i}`);
        mkdirSync(dir, { recursive: true });
        common.BENCH_PROFILE_DIR = dir;
        common.BENCH_PROFILE_KIND = this.env.profileKind ?? 'cpu';
      }
      const server =
        this.system === 'A'
          ? await BenchProcess.start<ServerInfo>({
              script: 'servers/bare.ts',
              label: `A${i}`,
              cpu: SERVER_CORE,
              nodeArgs,
              env: { ...common, DATABASE_URL: options.database ? this.databaseUrl : undefined, BENCH_KEEP_LOG: options.keepLog ? '1' : '0' },
            })
          : await BenchProcess.start<ServerInfo>({
              script: 'servers/herald.ts',
              label: `B${i}`,
              cpu: SERVER_CORE,
              nodeArgs: [...nodeArgs, ...shippedNodeFlags(), ...(process.env.BENCH_B_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])],
              env: {
                ...common,
                NODE_ENV: 'production',
                DATABASE_URL: options.embeddedDataDir ? undefined : this.databaseUrl,
                DATA_DIR: options.embeddedDataDir,
                JWT_SECRET: BENCH_JWT_SECRET,
                CORS_ORIGINS: 'http://localhost',
                LOG_LEVEL: 'warn',
                LOG_FORMAT: 'json',
                SHUTDOWN_DRAIN_DELAY_MS: '0',
                // Every simulated client comes from the one load generator's address.
                SOCKET_MAX_CONNECTIONS_PER_IP: '100000',
                SOCKET_HANDSHAKES_PER_IP_PER_SECOND: '100000',
              },
            });
      this.servers.push(server);
    }
    return this.servers;
  }

  private async load<T = unknown>(script: string, label: string): Promise<BenchProcess<T>> {
    const proc = await BenchProcess.start<T>({ script, label, cpu: LOAD_CORE });
    this.loads.push(proc);
    return proc;
  }

  /**
   * Opens sink connections spread over processes (and source addresses 127.0.0.x);
   * `serverFor(i)` picks the server of process i (P6 splits members over instances).
   */
  async sinks(
    specs: SinkSpec[],
    options: Partial<Omit<SinkConnect, 'url' | 'sockets'>> & { processes?: number; serverFor?: (proc: number) => number } = {},
  ): Promise<{ procs: BenchProcess[]; results: SinkConnectResult[] }> {
    const count = options.processes ?? Math.max(1, Math.ceil(specs.length / SINKS_PER_PROCESS));
    const per = Math.ceil(specs.length / count);
    const procs = await Promise.all(Array.from({ length: count }, (_, k) => this.load(`load/sink.ts`, `sink${k}`)));
    const { processes: _p, serverFor, ...rest } = options;
    const results = await Promise.all(
      procs.map((proc, k) =>
        proc.request<SinkConnectResult>('connect', {
          url: this.servers[serverFor?.(k) ?? 0].info.url,
          namespace: BENCH_NS,
          sockets: specs.slice(k * per, (k + 1) * per),
          token: { subPrefix: 'sink-', firstIndex: k * per },
          localAddress: `127.0.0.${2 + k}`,
          ...rest,
        } satisfies SinkConnect),
      ),
    );
    for (const r of results) {
      if (r.failed) this.warnings.push(`${r.failed} sink connections failed (${r.errors[0] ?? '?'})`);
    }
    return { procs, results };
  }

  async sinkFrames(procs: BenchProcess[]): Promise<SinkCounts> {
    const all = await Promise.all(procs.map((p) => p.request<SinkCounts>('counts', {})));
    return all.reduce((s, c) => ({
      frames: s.frames + c.frames,
      ready: s.ready + c.ready,
      closed: s.closed + c.closed,
      orderErrors: s.orderErrors + c.orderErrors,
      firstOrderError: s.firstOrderError ?? c.firstOrderError,
      otherEvents: s.otherEvents + c.otherEvents,
      firstOtherEvent: s.firstOtherEvent ?? c.firstOtherEvent,
    }));
  }

  /** Waits until the sinks' frame count stops growing (or reaches `expected`). */
  async drain(procs: BenchProcess[], expected?: number, maxMs = 15_000): Promise<SinkCounts> {
    const deadline = Date.now() + maxMs;
    let last = await this.sinkFrames(procs);
    let still = 0;
    while (Date.now() < deadline) {
      if (expected !== undefined && last.frames >= expected) return last;
      await sleep(250);
      const now = await this.sinkFrames(procs);
      still = now.frames === last.frames ? still + 1 : 0;
      last = now;
      if (still >= 3) break;
    }
    return last;
  }

  async probe(clients: ProbeConnect['clients'], server = 0, namespace = BENCH_NS): Promise<BenchProcess> {
    const proc = await this.load('load/probe.ts', 'probe');
    await proc.request('connect', {
      url: this.servers[server].info.url,
      namespace,
      clients,
      token: { subPrefix: 'probe-' },
    } satisfies ProbeConnect);
    return proc;
  }

  /** Sends setup requests with a service token to the first server; any failure fails the run. */
  async setupRequests(requests: SetupRequest[]): Promise<void> {
    const token = benchToken('bench-setup', ['service']);
    for (const r of requests) {
      const res = await fetch(new URL(r.path, this.servers[0].info.url), {
        method: r.method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(r.body),
      });
      if (!res.ok) throw new Error(`setup ${r.method} ${r.path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    }
  }

  probeReport(probe: BenchProcess, reset = true): Promise<ProbeReport> {
    return probe.request<ProbeReport>('report', { reset });
  }

  async httpPublisher(): Promise<BenchProcess> {
    return this.load('load/http-publisher.ts', 'http');
  }

  httpRun(proc: BenchProcess, args: Omit<HttpRun, 'url'>): Promise<HttpReport> {
    return proc.request<HttpReport>('run', { url: this.servers[0].info.url, ...args } satisfies HttpRun);
  }

  batch(proc: BenchProcess, args: Omit<BatchRun, 'url'>): Promise<BatchReport> {
    return proc.request<BatchReport>('batch', { url: this.servers[0].info.url, ...args } satisfies BatchRun);
  }

  /** Rows in a table of this run's PostgreSQL database (persistence checked at the source). */
  async countRows(table: string): Promise<number> {
    if (!this.databaseUrl) throw new Error('this run has no PostgreSQL database');
    return withDb(this.databaseUrl, async (db) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n));
  }

  publish(args: PublishCommand, server = 0): Promise<PublishReport> {
    return this.servers[server].request<PublishReport>('publish', args);
  }

  async serverStats(gc = false): Promise<ServerStats[]> {
    return Promise.all(this.servers.map((s) => s.request<ServerStats>('stats', { gc })));
  }

  /** Runs `work` and measures CPU, event-loop delay and core load over it. */
  async window<T>(work: () => Promise<T>): Promise<{ result: T; w: WindowFigures }> {
    await Promise.all(this.servers.map((s) => s.request('stats:reset')));
    await this.statementStats('reset');
    const cores0 = coreTimes();
    const server0 = this.servers.map((s) => s.cpuSeconds());
    const load0 = this.loads.map((p) => p.cpuSeconds());
    const pg = this.env.postgresPid;
    const db0 = pg ? processTreeCpuSeconds(pg) : 0;
    const t0 = process.hrtime.bigint();
    const result = await work();
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const server1 = this.servers.map((s) => s.cpuSeconds());
    const load1 = this.loads.map((p) => p.cpuSeconds());
    const db1 = pg ? processTreeCpuSeconds(pg) : 0;
    const cores1 = coreTimes();
    const busy = coreBusyPct(cores0, cores1);
    const steal = coreStealPct(cores0, cores1);
    const stats = await this.serverStats(false);
    await this.statementStats('report');
    const pct = (a: number[], b: number[]) => (100 * b.reduce((s, x, i) => s + x - (a[i] ?? 0), 0)) / (wallMs / 1000);
    const w: WindowFigures = {
      wallMs,
      serverCpuPct: pct(server0, server1),
      serverGcPct: (100 * stats.reduce((sum, x) => sum + x.gcMs, 0)) / wallMs,
      eldP99Ms: Math.max(...stats.map((s) => s.eldP99Ms)),
      eldMaxMs: Math.max(...stats.map((s) => s.eldMaxMs)),
      serverCoreBusyPct: busy[SERVER_CORE] ?? 0,
      loadCoreBusyPct: busy[LOAD_CORE] ?? 0,
      serverCoreStealPct: steal[SERVER_CORE] ?? 0,
      loadCoreStealPct: steal[LOAD_CORE] ?? 0,
      loadProcCpuPct: pct(load0, load1),
      dbCpuPct: pg ? pct([db0], [db1]) : undefined,
    };
    if (w.loadProcCpuPct > 90 || w.loadCoreBusyPct > 97) {
      this.warnings.push(
        `load core saturated (our load processes ${w.loadProcCpuPct.toFixed(0)} %, core busy ${w.loadCoreBusyPct.toFixed(0)} %): figures of this window are not valid`,
      );
    }
    if (w.serverCoreBusyPct - w.serverCpuPct > 25) {
      const stolen = w.serverCoreStealPct >= 1 ? ` (${w.serverCoreStealPct.toFixed(0)} % taken by the hypervisor)` : '';
      this.warnings.push(`the server core was ${(w.serverCoreBusyPct - w.serverCpuPct).toFixed(0)} % busy with other work${stolen}`);
    }
    return { result, w };
  }

  /**
   * BENCH_PG_STATS=1: PostgreSQL's time per statement during each window (pg_stat_statements,
   * which the runner's PostgreSQL then preloads), the statements that took most first. The
   * time is wall time in the server: it includes waiting for locks and for a core.
   */
  private async statementStats(step: 'reset' | 'report'): Promise<void> {
    if (!process.env.BENCH_PG_STATS || !this.databaseUrl) return;
    await withDb(this.databaseUrl, async (db) => {
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      if (step === 'report') {
        const { rows } = await db.query<{ calls: string; total_ms: number; mean_ms: number; rows: string; query: string }>(
          `SELECT calls, total_exec_time AS total_ms, mean_exec_time AS mean_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS query
             FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC LIMIT 8`,
        );
        this.env.log('    PostgreSQL statements this window (calls, total ms, mean ms, rows):');
        for (const r of rows) this.env.log(`      ${r.calls} × ${r.total_ms.toFixed(0)} ms, ${r.mean_ms.toFixed(2)} ms, ${r.rows} rows: ${r.query}`);
      }
      await db.query('SELECT pg_stat_statements_reset()');
    });
  }

  /** RSS and heap after GC, summed over instances. */
  async memoryAfterGc(): Promise<{ rssMb: number; heapMb: number; stats: ServerStats[] }> {
    const stats = await this.serverStats(true);
    return {
      rssMb: stats.reduce((s, x) => s + x.rssBytes, 0) / 2 ** 20,
      heapMb: stats.reduce((s, x) => s + x.heapUsedBytes, 0) / 2 ** 20,
      stats,
    };
  }

  async teardown(): Promise<void> {
    await Promise.all(this.loads.map((p) => p.stop(2_000).catch(() => undefined)));
    await Promise.all(this.servers.map((s) => s.stop(5_000).catch(() => undefined)));
    if (this.databaseUrl) await dropTestDatabase(this.databaseUrl).catch(() => undefined);
  }
}

export const benchDir = BENCH_ROOT;
