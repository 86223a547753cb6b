/**
 * The runner drives every bench process (servers, sinks, probe, HTTP publisher) over Node's
 * IPC channel: request/response messages with ids. Children are pinned to a core with
 * taskset and compiled with SWC (see test/support/swc-register.js).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { processCpuSeconds } from './proc';

export const BENCH_ROOT = join(__dirname, '..');
const REGISTER = join(__dirname, '../../test/support/swc-register.js');

interface Request {
  id: number;
  cmd: string;
  args: unknown;
}
interface Response {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}
interface Ready {
  ready: true;
  info: unknown;
}

let tasksetAvailable: boolean | undefined;
export function canPin(): boolean {
  tasksetAvailable ??= spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return tasksetAvailable;
}

export interface StartOptions {
  /** Script path relative to bench/. */
  script: string;
  label: string;
  /** Core to pin to (taskset -c). */
  cpu?: number;
  env?: Record<string, string | undefined>;
  nodeArgs?: string[];
  /** How long to wait for the child's ready message. */
  startTimeoutMs?: number;
}

/** One bench child process. */
export class BenchProcess<Info = unknown> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private output = '';
  private exited = false;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
    readonly info: Info,
  ) {}

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** user+sys CPU seconds used so far. */
  cpuSeconds(): number {
    return processCpuSeconds(this.pid);
  }

  static async start<Info>(options: StartOptions): Promise<BenchProcess<Info>> {
    const node = [...(options.nodeArgs ?? []), '-r', REGISTER, join(BENCH_ROOT, options.script)];
    const pinned = options.cpu !== undefined && canPin();
    const [command, args] = pinned ? ['taskset', ['-c', String(options.cpu), process.execPath, ...node]] : [process.execPath, node];
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
    });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${options.label}] ${d.toString()}`);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const info = await new Promise<Info>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${options.label} did not start within ${options.startTimeoutMs ?? 60_000} ms:\n${output}`));
      }, options.startTimeoutMs ?? 60_000);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${options.label} exited (${code ?? signal}) before it was ready:\n${output}`));
      });
      child.on('message', (m: Ready) => {
        if (m && (m as Partial<Ready>).ready) {
          clearTimeout(timer);
          resolve(m.info as Info);
        }
      });
    });
    child.removeAllListeners('exit');
    const proc = new BenchProcess<Info>(options.label, child, info);
    proc.output = output;
    child.stdout?.off('data', keep);
    child.stderr?.off('data', keep);
    const append = (d: Buffer) => {
      proc.output = (proc.output + d.toString()).slice(-20_000);
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${options.label}] ${d.toString()}`);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.on('message', (m: Response) => proc.onMessage(m));
    child.once('exit', (code, signal) => {
      proc.exited = true;
      for (const p of proc.pending.values()) p.reject(new Error(`${options.label} exited (${code ?? signal}):\n${proc.output.slice(-3000)}`));
      proc.pending.clear();
    });
    return proc;
  }

  private onMessage(m: Response): void {
    if (!m || typeof m.id !== 'number') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`${this.label}: ${m.error}`));
  }

  request<T = unknown>(cmd: string, args: unknown = {}, timeoutMs = 180_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.label} has exited:\n${this.output.slice(-3000)}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ id, cmd, args } satisfies Request);
    });
  }

  recentOutput(): string {
    return this.output;
  }

  /** Asks the child to exit, then SIGKILLs it if it has not within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ id: 0, cmd: 'exit', args: {} } satisfies Request, () => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler declares its own argument type
export type Handler = (args: any) => unknown;

/**
 * Child side: answers the runner's requests with `handlers` and announces readiness.
 * `exit` is built in; a child dies with its parent (the IPC channel closing).
 */
export function serve(handlers: Record<string, Handler>, info: unknown, onExit?: () => Promise<void> | void): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('bench child processes are started by bench/run.ts (no IPC channel)');
  const exit = async () => {
    try {
      await onExit?.();
    } finally {
      process.exit(0);
    }
  };
  process.on('disconnect', () => void exit());
  process.on('message', (m: Request) => {
    if (!m || typeof m.cmd !== 'string') return;
    if (m.cmd === 'exit') return void exit();
    const handler = handlers[m.cmd];
    if (!handler) return void send({ id: m.id, ok: false, error: `unknown command ${m.cmd}` } satisfies Response);
    Promise.resolve()
      .then(() => handler(m.args))
      .then(
        (result) => send({ id: m.id, ok: true, result } satisfies Response),
        (err: unknown) => send({ id: m.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies Response),
      );
  });
  send({ ready: true, info } satisfies Ready);
}

export const hrNow = (): bigint => process.hrtime.bigint();
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
