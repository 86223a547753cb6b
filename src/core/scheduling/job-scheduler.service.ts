import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { MetricsService } from '../observability/metrics.service';
import { PrismaService } from '../prisma/prisma.service';
import { RedisService } from '../redis/redis.service';

export interface JobDefinition {
  /** Stable name: the lock key, the metric label and the status entry. */
  name: string;
  intervalMs: number;
  run: (tick: JobTick) => Promise<void>;
  /**
   * How long the run lease lives without renewal (default twice the interval, at least
   * 3 s). It is renewed every third of that while the run lasts, so a run of any length
   * holds it; after a crash another instance can run the job once it lapses.
   */
  lockTtlMs?: number;
}

export interface JobTick {
  tick: number;
  scheduledAt: Date;
  /**
   * Aborted at shutdown (SIGTERM) and when the run lease is lost: a long run checks it
   * between steps and passes it to requests, so it stops instead of holding shutdown up.
   */
  signal: AbortSignal;
}

export interface JobStatus {
  name: string;
  intervalMs: number;
  lastRunAt: string | null;
  lastDurationMs: number | null;
  lastOutcome: 'success' | 'failure' | null;
  lastError: string | null;
  runs: number;
  failures: number;
  /** Ticks another instance ran. */
  skipped: number;
  /** Ticks given up because this process was stalled for longer than the catch-up window. */
  missed: number;
}

interface Registered {
  def: JobDefinition;
  status: JobStatus;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  /** The newest tick this instance has considered (run, or seen claimed elsewhere). */
  lastTick?: number;
  draining?: boolean;
}

/**
 * A stalled event loop (GC, CPU starvation) can fire a timer late, past one or more tick
 * boundaries. Those ticks are still run, oldest first, up to this many; a longer stall skips
 * the older ones (counted as `missed`) rather than bursting through them.
 */
const MAX_CATCH_UP_TICKS = 10;
/** A tick that comes due while Redis is still making its first connection waits this long for it. */
const STARTUP_REDIS_WAIT_MS = 3000;
/**
 * Default run lease: long enough that renewals (every third of it) survive a busy event
 * loop, short enough that a crashed holder blocks the job for a few seconds only.
 */
const defaultRunLockTtlMs = (intervalMs: number) => Math.max(2 * intervalMs, 3000);

/** Extends the run lease only while this instance still holds it. */
const RENEW_IF_HELD = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_IF_HELD = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Runs each job once per tick across all instances. Ticks are aligned to the wall clock
 * (tick = floor(now / interval)) so every instance names the same tick, and the first to
 * claim it runs it: Redis `SET NX PX` when configured, a row in `job_ticks` on shared
 * PostgreSQL otherwise, and plain in-process scheduling on the embedded database.
 * A failing run is logged and counted; the next tick runs regardless. Ticks a late timer
 * skipped over are caught up, so every tick runs once even when instances stall.
 *
 * Besides the tick claim, a run holds a run lease for as long as it lasts (renewed every
 * third of its TTL), so a run longer than the TTL or than the interval is never joined by a
 * second one on another instance, and `runNow` waits for or respects it. A lease lost to a
 * renewal failure aborts the run's signal. At shutdown every run's signal is aborted.
 */
@Injectable()
export class JobScheduler implements OnApplicationShutdown {
  private readonly logger = new Logger(JobScheduler.name);
  private readonly jobs = new Map<string, Registered>();
  private readonly instanceId = randomUUID();
  private stopped = false;
  private readonly stopping = new AbortController();

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly redis: RedisService,
    private readonly prisma: PrismaService,
    private readonly metrics: MetricsService,
  ) {}

  register(def: JobDefinition): void {
    if (this.jobs.has(def.name)) throw new Error(`job ${def.name} registered twice`);
    const job: Registered = {
      def,
      status: {
        name: def.name,
        intervalMs: def.intervalMs,
        lastRunAt: null,
        lastDurationMs: null,
        lastOutcome: null,
        lastError: null,
        runs: 0,
        failures: 0,
        skipped: 0,
        missed: 0,
      },
    };
    this.jobs.set(def.name, job);
    if (!this.stopped) this.arm(job);
  }

  statuses(): JobStatus[] {
    return [...this.jobs.values()].map((j) => ({ ...j.status }));
  }

  /**
   * Runs a job now, outside its schedule (status API `trigger_broadcast`), without the tick
   * lock but under the run lease: while a run is in progress here it waits for that run
   * instead of starting another, and while one runs on another instance it does nothing.
   */
  async runNow(name: string): Promise<JobStatus> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`unknown job ${name}`);
    if (job.running) {
      await job.running;
      return { ...job.status };
    }
    if (this.stopped) return { ...job.status };
    await this.execute(job, -1);
    return { ...job.status };
  }

  /** Shutdown: no new runs; aborts the signals of runs in progress and waits for them to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    for (const job of this.jobs.values()) {
      clearTimeout(job.timer);
      if (this.registry.doesExist('timeout', job.def.name)) this.registry.deleteTimeout(job.def.name);
    }
    await Promise.all([...this.jobs.values()].map((j) => j.running?.catch(() => undefined) ?? Promise.resolve()));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private arm(job: Registered): void {
    const interval = job.def.intervalMs;
    const now = Date.now();
    const nextTick = Math.floor(now / interval) + 1;
    // A few ms past the boundary so clocks that disagree slightly still name the same tick.
    const timer = setTimeout(() => {
      if (this.registry.doesExist('timeout', job.def.name)) this.registry.deleteTimeout(job.def.name);
      if (this.stopped) return;
      this.arm(job);
      void this.drain(job);
    }, nextTick * interval - now + 5);
    job.timer = timer;
    if (this.registry.doesExist('timeout', job.def.name)) this.registry.deleteTimeout(job.def.name);
    this.registry.addTimeout(job.def.name, timer);
  }

  /** Fires every tick up to now that this instance has not considered yet, oldest first. */
  private async drain(job: Registered): Promise<void> {
    if (job.draining) return; // the loop below picks up the newer ticks
    job.draining = true;
    try {
      for (;;) {
        const current = Math.floor(Date.now() / job.def.intervalMs);
        let from = job.lastTick === undefined ? current : job.lastTick + 1;
        if (from > current || this.stopped) return;
        if (current - from >= MAX_CATCH_UP_TICKS) {
          const missed = current - MAX_CATCH_UP_TICKS + 1 - from;
          job.status.missed += missed;
          this.logger.warn(`job ${job.def.name}: stalled for ${missed + MAX_CATCH_UP_TICKS} ticks; skipping the oldest ${missed}`);
          from = current - MAX_CATCH_UP_TICKS + 1;
        }
        for (let tick = from; tick <= current && !this.stopped; tick++) {
          job.lastTick = tick;
          await this.fire(job, tick);
        }
      }
    } finally {
      job.draining = false;
    }
  }

  private async fire(job: Registered, tick: number): Promise<void> {
    if (job.running) {
      job.status.skipped++; // previous run still going on this instance
      return;
    }
    let claimed: boolean;
    try {
      claimed = await this.claim(job.def, tick);
    } catch (err) {
      this.metrics.jobRuns.inc({ job: job.def.name, outcome: 'lock_error' });
      this.logger.warn(`job ${job.def.name}: could not take the tick lock: ${(err as Error).message}`);
      return;
    }
    if (!claimed) {
      job.status.skipped++;
      return;
    }
    await this.execute(job, tick);
  }

  /** Runs the job under its run lease; a lease held elsewhere counts as a skipped tick. */
  private async execute(job: Registered, tickNumber: number): Promise<void> {
    if (job.running || this.stopped) return;
    const abort = new AbortController();
    const signal = AbortSignal.any([abort.signal, this.stopping.signal]);
    const started = Date.now();
    const run = (async () => {
      const lease = await this.acquireLease(job.def).catch((err: unknown) => {
        this.metrics.jobRuns.inc({ job: job.def.name, outcome: 'lock_error' });
        this.logger.warn(`job ${job.def.name}: could not take the run lease: ${(err as Error).message}`);
        return undefined;
      });
      if (!lease) {
        job.status.skipped++;
        return;
      }
      const renewal = this.keepLease(job.def, lease, abort);
      try {
        const scheduledAt = tickNumber >= 0 ? new Date(tickNumber * job.def.intervalMs) : new Date();
        await job.def.run({ tick: tickNumber, scheduledAt, signal });
        job.status.lastOutcome = 'success';
        job.status.lastError = null;
        this.metrics.jobRuns.inc({ job: job.def.name, outcome: 'success' });
      } catch (err) {
        job.status.lastOutcome = 'failure';
        job.status.lastError = (err as Error)?.message ?? String(err);
        job.status.failures++;
        this.metrics.jobRuns.inc({ job: job.def.name, outcome: 'failure' });
        this.logger.error(`job ${job.def.name} failed: ${(err as Error)?.stack ?? String(err)}`);
      } finally {
        clearInterval(renewal);
        job.status.runs++;
        job.status.lastRunAt = new Date(started).toISOString();
        job.status.lastDurationMs = Date.now() - started;
        await this.releaseLease(job.def, lease).catch(() => undefined); // it lapses by itself otherwise
      }
    })();
    job.running = run;
    try {
      await run;
    } finally {
      job.running = undefined;
    }
  }

  private lockTtl(def: JobDefinition): number {
    return def.lockTtlMs ?? defaultRunLockTtlMs(def.intervalMs);
  }

  /** Takes the job's run lease; resolves its holder token, or undefined when another instance holds it. */
  private async acquireLease(def: JobDefinition): Promise<string | undefined> {
    const holder = `${this.instanceId}:${randomUUID()}`;
    const ttl = this.lockTtl(def);
    if (this.redis.client) {
      await this.redis.startedUp(STARTUP_REDIS_WAIT_MS);
      const ok = await this.redis.client.set(this.redis.key('job-run', def.name), holder, 'PX', ttl, 'NX');
      return ok === 'OK' ? holder : undefined;
    }
    if (this.prisma.engine === 'postgres') {
      const rows = await this.prisma.sql.query(
        `INSERT INTO job_leases (job, holder, expires_at) VALUES ($1, $2, now() + $3::double precision * interval '1 millisecond')
         ON CONFLICT (job) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
          WHERE job_leases.expires_at < now()
         RETURNING holder`,
        [def.name, holder, ttl],
      );
      return rows.length ? holder : undefined;
    }
    return holder; // the embedded database has one process: the in-process guard is enough
  }

  /** Renews the lease every third of its TTL while the run lasts; losing it aborts the run. */
  private keepLease(def: JobDefinition, holder: string, abort: AbortController): NodeJS.Timeout {
    const ttl = this.lockTtl(def);
    const timer = setInterval(() => {
      this.renewLease(def, holder, ttl).then(
        (held) => {
          if (held) return;
          this.logger.error(`job ${def.name}: run lease lost (another instance may run it now); aborting this run`);
          abort.abort(new Error('run lease lost'));
        },
        (err: unknown) => this.logger.warn(`job ${def.name}: could not renew the run lease: ${(err as Error).message}`),
      );
    }, Math.max(Math.floor(ttl / 3), 50));
    return timer;
  }

  private async renewLease(def: JobDefinition, holder: string, ttl: number): Promise<boolean> {
    if (this.redis.client) {
      return (await this.redis.client.eval(RENEW_IF_HELD, 1, this.redis.key('job-run', def.name), holder, ttl)) === 1;
    }
    if (this.prisma.engine === 'postgres') {
      const rows = await this.prisma.sql.query(
        `UPDATE job_leases SET expires_at = now() + $3::double precision * interval '1 millisecond'
          WHERE job = $1 AND holder = $2 RETURNING 1`,
        [def.name, holder, ttl],
      );
      return rows.length === 1;
    }
    return true;
  }

  private async releaseLease(def: JobDefinition, holder: string): Promise<void> {
    if (this.redis.client) {
      await this.redis.client.eval(RELEASE_IF_HELD, 1, this.redis.key('job-run', def.name), holder);
    } else if (this.prisma.engine === 'postgres') {
      await this.prisma.sql.query('DELETE FROM job_leases WHERE job = $1 AND holder = $2', [def.name, holder]);
    }
  }

  private async claim(def: JobDefinition, tick: number): Promise<boolean> {
    if (this.redis.client) {
      await this.redis.startedUp(STARTUP_REDIS_WAIT_MS);
      const ok = await this.redis.client.set(this.redis.key('job', def.name, tick), this.instanceId, 'PX', claimTtlMs(def.intervalMs), 'NX');
      return ok === 'OK';
    }
    if (this.prisma.engine === 'postgres') {
      const rows = await this.prisma.sql.query(
        'INSERT INTO job_ticks (job, tick, claimed_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING tick',
        [def.name, tick, this.instanceId],
      );
      if (rows.length && tick % 100 === 0) {
        await this.prisma.sql.query("DELETE FROM job_ticks WHERE claimed_at < now() - interval '1 hour'");
      }
      return rows.length === 1;
    }
    return true;
  }
}

/** A tick's claim must outlive the catch-up window, or a late instance could run it again. */
function claimTtlMs(intervalMs: number): number {
  return Math.max(intervalMs * (MAX_CATCH_UP_TICKS + 5), 5000);
}
