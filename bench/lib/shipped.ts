/**
 * Herald as `npm start` runs it (`node [flags] dist/main.js`), for figures that must not include
 * the bench's own machinery (the SWC loader, the IPC agent): idle memory with the
 * embedded defaults (P10).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/support/ports';
import { canPin, sleep } from './ipc';
import { processRssBytes } from './proc';

const ROOT = join(__dirname, '../..');
const ENTRY = join(ROOT, 'dist/main.js');

/**
 * The Node.js flags `npm start` passes (`node <flags> dist/main.js` in package.json), so the
 * bench runs Herald with the same V8 settings as the shipped command, in P10 and everywhere else.
 */
export function shippedNodeFlags(startScript = startScriptOf(ROOT)): string[] {
  const words = startScript.trim().split(/\s+/);
  const entry = words.indexOf('dist/main.js');
  if (words[0] !== 'node' || entry < 0) throw new Error(`package.json "start" is not "node [flags] dist/main.js": ${startScript}`);
  return words.slice(1, entry);
}

function startScriptOf(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return pkg.scripts?.start ?? '';
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Compiles the server (tsc, as `npm run build` does) when dist/ is missing or older than src/. */
export function ensureServerBuilt(log: (line: string) => void): void {
  if (existsSync(ENTRY) && statSync(ENTRY).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  log('  compiling the server (dist/ is missing or older than src/) …');
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not compile the server (npx tsc -p tsconfig.build.json)');
}

export interface ShippedServer {
  pid: number;
  url: string;
  /** From spawn until /health/ready answered 200. */
  readyMs: number;
  stop(): Promise<void>;
}

/**
 * Starts `node [flags] dist/main.js` (the start script) on `core` with nothing but PORT, HOST and DATA_DIR set, so
 * every other setting is its default (no DATABASE_URL: the embedded database).
 */
export async function startShipped(dataDir: string, core: number, timeoutMs = 180_000): Promise<ShippedServer> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
  };
  const node = [...shippedNodeFlags(), ENTRY];
  const started = process.hrtime.bigint();
  const child: ChildProcess = canPin()
    ? spawn('taskset', ['-c', String(core), process.execPath, ...node], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, node, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-5000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited) throw new Error(`dist/main.js exited before it was ready:\n${output}`);
      if (Date.now() > deadline) throw new Error(`dist/main.js not ready within ${timeoutMs} ms:\n${output}`);
      const ok = await fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(200);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid ?? 0, url, readyMs: Number(process.hrtime.bigint() - started) / 1e6, stop };
}

/**
 * Settled: the last `window` one-second samples lie within `tolerance` (a share of their
 * mean) of each other, so start-up work (migrations, first GC) has finished.
 */
export function rssSettled(samplesMb: readonly number[], window = 4, tolerance = 0.02): boolean {
  if (samplesMb.length < window) return false;
  const last = samplesMb.slice(-window);
  const mean = last.reduce((s, x) => s + x, 0) / window;
  return Math.max(...last) - Math.min(...last) <= tolerance * mean;
}

/**
 * RSS once a second, for at least `minMs` and until it has settled (or `maxMs` passed);
 * the last sample is the idle figure, the largest the peak seen meanwhile.
 */
export async function settledRss(pid: number, minMs: number, maxMs = Math.max(minMs, 30_000)): Promise<{ settledMb: number; maxMb: number; settled: boolean }> {
  const samples: number[] = [];
  const started = Date.now();
  for (;;) {
    await sleep(1000);
    samples.push((processRssBytes(pid) ?? 0) / 2 ** 20);
    const elapsed = Date.now() - started;
    const settled = rssSettled(samples);
    if ((elapsed >= minMs && settled) || elapsed >= maxMs) {
      return { settledMb: samples[samples.length - 1], maxMb: Math.max(...samples), settled };
    }
  }
}
