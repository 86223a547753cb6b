/**
 * Real, throwaway PostgreSQL and Redis servers for the test suites.
 *
 *   const pg = await startPostgres();   // initdb in a temp dir, free port, trust auth
 *   const redis = await startRedis();   // no persistence, free port
 *   ...
 *   await redis.kill(); await redis.start();   // crash and come back on the same port
 *   await pg.stop(); await redis.stop();       // graceful, temp dirs removed
 *
 * Each server is a direct child of the Node process (no daemonising), so the handle's pid is
 * the server's pid and signals reach it unchanged. Nothing is left behind:
 *   - an exit handler on the *real* process SIGKILLs every live server and removes its
 *     temp dir (jest gives test files a copy of `process` whose 'exit' never fires);
 *   - servers are exec'd through `setpriv --pdeathsig SIGKILL` when available, so they die
 *     with their parent even if it is SIGKILLed and no handler runs;
 *   - temp dirs whose owning process is gone are swept on the next start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { Client } from 'pg';
import { freePort } from './ports';

export interface ServiceHandle {
  readonly url: string;
  readonly port: number;
  /** Starts the server (again) on the same port and data; a no-op while it runs. */
  start(): Promise<void>;
  /** Graceful shutdown, then the temp dir is removed; the handle cannot start again. */
  stop(): Promise<void>;
  /** SIGKILL, like a crash; the data dir is kept so that start() can bring it back. */
  kill(): Promise<void>;
  /** Graceful shutdown and start again, keeping the data. */
  restart(): Promise<void>;
}

export interface PostgresHandle extends ServiceHandle {
  /** The cluster's data directory (PGDATA). */
  readonly dataDir: string;
}

export type RedisHandle = ServiceHandle;

const INSTALL_HINT = 'Install it with: apt-get install -y postgresql redis-server';
const STARTUP_TIMEOUT_MS = 30_000;
/** How long a graceful stop may take before we SIGKILL. */
const STOP_GRACE_MS = 15_000;
const TEMP_PREFIX = { postgres: 'herald-pg-', redis: 'herald-redis-' } as const;
/** Start-up attempts when the free port was taken by someone else in the meantime. */
const PORT_ATTEMPTS = 3;

// ---------------------------------------------------------------------------------------------
// Installing what is missing

/** Debian packages of the servers this run needs but the machine lacks. */
export function missingServerPackages(need: { postgres: boolean; redis: boolean }): string[] {
  const missing: string[] = [];
  if (need.postgres) {
    try {
      findPostgresBinaries();
    } catch {
      missing.push('postgresql');
    }
  }
  if (need.redis && !findExecutable('redis-server', ['/usr/bin', '/usr/local/bin', '/usr/sbin'])) missing.push('redis-server');
  return missing;
}

/**
 * Makes `npm ci && npm test` work on a fresh Debian machine: as root with apt, installs the
 * missing server packages (what .ci/run does). Returns the command a person should run
 * instead when that was not possible or did not work.
 */
export function installServerPackages(packages: string[], log: (line: string) => void): string | undefined {
  const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  const apt = findExecutable('apt-get', ['/usr/bin']);
  if (process.getuid?.() !== 0 || !apt) return `sudo apt-get update && sudo ${command}`;
  log(`[herald tests] installing ${packages.join(', ')} with apt-get (needed by the end-to-end suites)`);
  const options = { stdio: 'ignore' as const, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 };
  const ok =
    spawnSync(apt, ['update'], options).status === 0 &&
    spawnSync(apt, command.split(' ').slice(1), options).status === 0 &&
    missingServerPackages({ postgres: packages.includes('postgresql'), redis: packages.includes('redis-server') }).length === 0;
  return ok ? undefined : `apt-get update && ${command}`;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export async function startPostgres(): Promise<PostgresHandle> {
  sweepStaleTempDirs();
  const bin = findPostgresBinaries();
  const runAs = postgresRunAs();
  const root = makeTempDir(TEMP_PREFIX.postgres, runAs);
  const dataDir = join(root, 'data');

  try {
    await runToCompletion(
      'initdb',
      bin.initdb,
      // --no-sync: nothing here needs to survive a power cut.
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      { cwd: root, runAs },
    );
  } catch (err) {
    removeDir(root);
    throw err;
  }

  const server = await startOnFreePort(root, (port) => {
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    return new ManagedServer({
      label: 'PostgreSQL',
      url,
      port,
      root,
      runAs,
      command: bin.postgres,
      args: [
        '-D', dataDir,
        '-p', String(port),
        '-h', '127.0.0.1',
        '-k', root, // unix socket beside the data dir, never in /var/run/postgresql
        // Throwaway cluster: durability is traded for speed. Note that with
        // synchronous_commit=off a kill() may lose the last few hundred ms of commits.
        '-c', 'fsync=off',
        '-c', 'full_page_writes=off',
        '-c', 'synchronous_commit=off',
        '-c', 'max_connections=300', // every app instance and test opens its own pool
        '-c', 'jit=off',
        // The bench's per-statement timings (BENCH_PG_STATS=1, bench/scenarios/context.ts).
        ...(process.env.BENCH_PG_STATS ? ['-c', 'shared_preload_libraries=pg_stat_statements'] : []),
      ], // prettier-ignore
      // SIGINT is PostgreSQL's "fast shutdown": roll back sessions, checkpoint, exit.
      stopSignal: 'SIGINT',
      killChildren: true,
      probe: () => postgresAcceptsConnections(url),
    });
  });
  return Object.assign(server.handle(), { dataDir });
}

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** initdb and postgres from one installation: PATH first, then the newest Debian cluster. */
function findPostgresBinaries(): PostgresBinaries {
  const candidates: string[] = [];
  for (const dir of pathDirs()) {
    const initdb = join(dir, 'initdb');
    // Resolve symlinks (e.g. /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb) so
    // that postgres is taken from the same version's directory.
    if (isExecutableFile(initdb)) candidates.push(dirname(realpathSync(initdb)));
  }
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debianRoot, v, 'bin')));
  }
  for (const dir of candidates) {
    const found = { initdb: join(dir, 'initdb'), postgres: join(dir, 'postgres') };
    if (isExecutableFile(found.initdb) && isExecutableFile(found.postgres)) return found;
  }
  throw new Error(
    'PostgreSQL server binaries not found: need `initdb` and `postgres` on PATH or in ' +
      `/usr/lib/postgresql/<version>/bin. ${INSTALL_HINT} ` +
      '(or point HERALD_TEST_PG_URL at an existing server).',
  );
}

/**
 * PostgreSQL refuses to run as root, so as root we run it as the `postgres` user that the
 * Debian package creates. We switch uid in spawn() itself rather than through
 * `runuser`/`su`: those fork a watching parent, so the pid we hold would not be the
 * postmaster's and SIGINT/SIGKILL would not reach the server as sent.
 */
function postgresRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(
      'Running as root, but PostgreSQL will not run as root and there is no `postgres` user ' +
        `to run it as. ${INSTALL_HINT} (the package creates the user).`,
    );
  }
  return { uid: Number(uid), gid: Number(gid), name: 'postgres' };
}

async function postgresAcceptsConnections(url: string): Promise<ProbeResult> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined); // errors after connect() must not become unhandled
  try {
    await client.connect();
    return { ready: true };
  } catch (err) {
    return { ready: false, reason: errorMessage(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Redis

export async function startRedis(): Promise<RedisHandle> {
  sweepStaleTempDirs();
  const redisServer = findExecutable('redis-server', ['/usr/bin', '/usr/local/bin', '/usr/sbin']);
  if (!redisServer) {
    throw new Error(
      `redis-server not found on PATH or in /usr/bin, /usr/local/bin. ${INSTALL_HINT} ` +
        '(or point HERALD_TEST_REDIS_URL at an existing server).',
    );
  }
  // Redis persists nothing here, but it still wants a working dir it may write to.
  const root = makeTempDir(TEMP_PREFIX.redis);

  const server = await startOnFreePort(root, (port) => {
    return new ManagedServer({
      label: 'Redis',
      url: `redis://127.0.0.1:${port}`,
      port,
      root,
      command: redisServer,
      args: [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--save', '',
        '--appendonly', 'no',
        '--protected-mode', 'no',
        '--dir', root,
        '--daemonize', 'no',
        '--logfile', '', // stdout, which we keep for error messages
      ], // prettier-ignore
      stopSignal: 'SIGTERM',
      killChildren: false,
      probe: () => redisAnswersPing(port),
    });
  });
  return server.handle();
}

/** A raw PING over TCP: no client library, no reconnect logic, nothing left open. */
function redisAnswersPing(port: number, timeoutMs = 1_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ready: false, reason: 'PING timed out' }));
    socket.once('error', (err) => done({ ready: false, reason: err.message }));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (!reply.includes('\r\n')) return;
      // "-LOADING ..." and friends mean "up but not ready yet".
      done(reply.startsWith('+PONG') ? { ready: true } : { ready: false, reason: reply.trim() });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// One managed server process

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

type ProbeResult = { ready: true } | { ready: false; reason: string };

interface ServerSpec {
  label: string;
  url: string;
  port: number;
  /** Temp dir owned by this server; removed by stop(). */
  root: string;
  runAs?: RunAs;
  command: string;
  args: string[];
  stopSignal: NodeJS.Signals;
  /** Also SIGKILL the server's own children on kill() (PostgreSQL backends). */
  killChildren: boolean;
  probe: () => Promise<ProbeResult>;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

class ManagedServer implements LiveServer {
  private child: ChildProcess | undefined;
  private exited: Promise<Exit> | undefined;
  private removed = false;
  private readonly log = new LogTail();

  constructor(private readonly spec: ServerSpec) {}

  handle(): ServiceHandle {
    return {
      url: this.spec.url,
      port: this.spec.port,
      start: () => this.start(),
      stop: () => this.stop(),
      kill: () => this.kill(),
      restart: () => this.restart(),
    };
  }

  async start(): Promise<void> {
    if (this.child) return;
    if (this.removed) {
      throw new Error(`${this.describe()} was stopped and its data removed; start a new one`);
    }
    const { command, args } = withParentDeathSignal(this.spec.command, this.spec.args);
    const child = spawn(command, args, {
      cwd: this.spec.root,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false, // same process group: a Ctrl-C in the terminal reaches it too
      uid: this.spec.runAs?.uid,
      gid: this.spec.runAs?.gid,
    });
    this.child = child;
    this.exited = new Promise<Exit>((resolve) => {
      const finish = (exit: Exit) => {
        if (this.child === child) this.child = undefined;
        liveServers().delete(this);
        resolve(exit);
      };
      child.once('exit', (code, signal) => finish({ code, signal }));
      // spawn failures (ENOENT, EACCES) emit 'error' and may never emit 'exit'.
      child.once('error', (err) => {
        this.log.push(`spawn failed: ${err.message}\n`);
        finish({ code: null, signal: null });
      });
    });
    child.stdout?.on('data', (chunk: Buffer) => this.log.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.log.push(chunk.toString('utf8')));
    liveServers().add(this);
    await this.waitUntilReady(child);
  }

  async stop(): Promise<void> {
    await this.shutdown();
    this.removeTempDir();
  }

  async kill(): Promise<void> {
    if (!this.child || !this.exited) return;
    this.killSync();
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.shutdown();
    await this.start();
  }

  /** Synchronous SIGKILL of the server (and its children); safe inside an 'exit' handler. */
  killSync(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    if (!this.spec.killChildren) {
      signal(pid, 'SIGKILL');
      return;
    }
    // Freeze the postmaster first so that it cannot fork (or restart crashed backends)
    // between our listing its children and killing them.
    signal(pid, 'SIGSTOP');
    const children = childPids(pid);
    signal(pid, 'SIGKILL');
    for (const c of children) signal(c, 'SIGKILL');
    // A new postmaster refuses to start while old backends still hold the shared memory
    // segment; wait (briefly, synchronously) until they are gone.
    waitSync(() => children.every((c) => !isRunning(c)), 2_000);
  }

  removeTempDir(): void {
    this.removed = true;
    removeDir(this.spec.root);
  }

  describe(): string {
    return `${this.spec.label} on 127.0.0.1:${this.spec.port}`;
  }

  logTail(lines = 30): string {
    return this.log.tail(lines);
  }

  private async shutdown(): Promise<void> {
    if (!this.child || !this.exited) return;
    this.child.kill(this.spec.stopSignal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), STOP_GRACE_MS);
    });
    const exit = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer); // a pending timer would keep jest from exiting
    if (!exit) await this.kill();
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const exited = this.exited!;
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    let lastReason = 'not probed yet';
    for (;;) {
      const outcome = await Promise.race([this.spec.probe(), exited.then((exit) => ({ exit }))]);
      if ('exit' in outcome) {
        const how = outcome.exit.signal ? `signal ${outcome.exit.signal}` : `code ${outcome.exit.code}`;
        throw new StartupError(
          `${this.describe()} exited during start-up (${how}).` + this.logSection(),
          this.log.text().includes('Address already in use'),
        );
      }
      if (outcome.ready) return;
      lastReason = outcome.reason;
      if (Date.now() > deadline) break;
      await sleep(100);
    }
    if (this.child === child) await this.kill();
    throw new StartupError(
      `${this.describe()} did not become ready within ${STARTUP_TIMEOUT_MS / 1000} s ` +
        `(last probe: ${lastReason}).` +
        this.logSection(),
    );
  }

  private logSection(): string {
    const runAs = this.spec.runAs ? ` (run as user ${this.spec.runAs.name})` : '';
    return `\nCommand${runAs}: ${this.spec.command} ${this.spec.args.join(' ')}\nServer log (last lines):\n${this.logTail()}`;
  }
}

class StartupError extends Error {
  constructor(
    message: string,
    readonly portTaken = false,
  ) {
    super(message);
  }
}

/** First start on a fresh port, retried if someone took the port between freePort() and bind. */
async function startOnFreePort(root: string, create: (port: number) => ManagedServer): Promise<ManagedServer> {
  for (let attempt = 1; ; attempt++) {
    const server = create(await freePort());
    try {
      await server.start();
      return server;
    } catch (err) {
      if (err instanceof StartupError && err.portTaken && attempt < PORT_ATTEMPTS) continue;
      await server.kill();
      removeDir(root);
      throw err;
    }
  }
}

/** Keeps the last lines a server printed, for error messages. */
class LogTail {
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly max = 200) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  tail(n: number): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    const shown = all.slice(-n);
    return shown.length ? shown.map((l) => `  | ${l}`).join('\n') : '  (no output)';
  }

  text(): string {
    return this.lines.join('\n') + '\n' + this.partial;
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup on exit

interface LiveServer {
  killSync(): void;
  removeTempDir(): void;
}

/**
 * The real `process`. Inside a jest test file, `process` is a per-file copy whose 'exit'
 * event never fires; code run through vm's runInThisContext sees the worker's own process.
 */
const realProcess = new Script('process').runInThisContext() as NodeJS.Process;

/**
 * Live servers of this OS process, shared by every copy of this module (jest loads it once
 * per test file) so that a single exit handler covers them all.
 */
function liveServers(): Set<LiveServer> {
  const key = Symbol.for('herald.test.services.live');
  const holder = realProcess as unknown as Record<symbol, Set<LiveServer> | undefined>;
  let live = holder[key];
  if (!live) {
    const servers = new Set<LiveServer>();
    live = holder[key] = servers;
    // Everything used in here was imported at load time: once jest has torn the test
    // environment down, require() is no longer allowed.
    realProcess.once('exit', () => {
      for (const server of servers) {
        server.killSync();
        server.removeTempDir();
      }
    });
  }
  return live;
}

/**
 * Removes temp dirs left by runs that died without running their exit handler (SIGKILL).
 * A dir records the pid that created it; it is stale once that process is gone.
 */
function sweepStaleTempDirs(): void {
  const dir = tmpdir();
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (!name.startsWith(TEMP_PREFIX.postgres) && !name.startsWith(TEMP_PREFIX.redis)) continue;
    const path = join(dir, name);
    try {
      const owner = Number(readFileSync(join(path, 'owner.pid'), 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && !isRunning(owner)) removeDir(path);
    } catch {
      // No owner file: either being created right now or not ours; leave recent ones alone.
      try {
        if (Date.now() - statSync(path).mtimeMs > 3_600_000) removeDir(path);
      } catch {
        /* gone meanwhile */
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function makeTempDir(prefix: string, owner?: RunAs): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'owner.pid'), String(realProcess.pid));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

function removeDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    /* best effort: the sweeper retries next time */
  }
}

/** Runs a command to completion (initdb); rejects with its output on failure or timeout. */
function runToCompletion(
  label: string,
  command: string,
  args: string[],
  opts: { cwd: string; runAs?: RunAs; timeoutMs?: number },
): Promise<void> {
  const log = new LogTail();
  return new Promise((resolve, reject) => {
    const wrapped = withParentDeathSignal(command, args);
    const child = spawn(wrapped.command, wrapped.args, {
      cwd: opts.cwd,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: opts.runAs?.uid,
      gid: opts.runAs?.gid,
      timeout: opts.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
    });
    child.stdout.on('data', (c: Buffer) => log.push(c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => log.push(c.toString('utf8')));
    child.once('error', (err) => reject(new Error(`${label} could not be run: ${err.message}`)));
    child.once('exit', (code, sig) => {
      if (code === 0) return resolve();
      const runAs = opts.runAs ? `\nRun as user ${opts.runAs.name}: it needs to be able to enter ${tmpdir()}.` : '';
      reject(
        new Error(
          `${label} failed (${sig ? `signal ${sig}` : `exit code ${code}`}): ` +
            `${command} ${args.join(' ')}${runAs}\nOutput (last lines):\n${log.tail(30)}`,
        ),
      );
    });
  });
}

let setprivSupportsPdeathsig: boolean | undefined;

/**
 * Prefixes `setpriv --pdeathsig SIGKILL --`, which sets PR_SET_PDEATHSIG and then execs the
 * command (same pid, no extra process): the server is killed by the kernel if our process
 * dies without running any handler. Without setpriv we rely on the exit handler alone.
 */
function withParentDeathSignal(command: string, args: string[]): { command: string; args: string[] } {
  if (setprivSupportsPdeathsig === undefined) {
    // --pdeathsig arrived in util-linux 2.33; older setprivs would reject it.
    const help = spawnSync('setpriv', ['--help'], { encoding: 'utf8' });
    setprivSupportsPdeathsig = help.status === 0 && help.stdout.includes('--pdeathsig');
  }
  return setprivSupportsPdeathsig
    ? { command: 'setpriv', args: ['--pdeathsig', 'SIGKILL', '--', command, ...args] }
    : { command, args };
}

/** Our environment minus libpq's PG* variables, which would otherwise steer initdb/postgres. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG')) env[key] = value;
  }
  return env;
}

function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(delimiter).filter(Boolean);
}

function findExecutable(name: string, fallbackDirs: string[]): string | undefined {
  for (const dir of [...pathDirs(), ...fallbackDirs]) {
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    realProcess.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Linux: pids whose parent is `pid`, read from /proc (empty elsewhere). */
function childPids(pid: number): number[] {
  const result: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return result;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat?.ppid === pid) result.push(Number(entry));
  }
  return result;
}

/** Alive and not a zombie (zombies hold no resources; this container's init never reaps). */
function isRunning(pid: number): boolean {
  if (existsSync('/proc/self')) {
    const stat = procStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    realProcess.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

function waitSync(condition: () => boolean, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (!condition() && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
