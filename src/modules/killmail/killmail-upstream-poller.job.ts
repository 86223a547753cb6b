import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config';
import { DomainError } from '../../core/errors';
import { JobScheduler } from '../../core/scheduling';
import { KillmailPollerCursorRepository } from './killmail-poller-cursor.repository';
import { KillmailUpstreamError } from './killmail-upstream.error';
import { unwrapUpstreamKillmail } from './killmail.dto';
import { KillmailMetrics } from './killmail.metrics';
import { KillmailService } from './killmail.service';
import { readBodyCapped } from '../../core/net';

const UPSTREAM_JOB = 'killmail-upstream';

/** Largest upstream response read; a killmail with every item listed stays far below it. */
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

interface PollOutcome {
  ingested: number;
  /** Why the run did nothing or stopped early. */
  stopped: 'caught_up' | 'batch_limit' | 'backoff' | 'leased_elsewhere' | 'failed' | 'shutdown';
}

/**
 * Follows a sequence feed (KILLMAIL_UPSTREAM_URL, zKillboard R2Z2 style): `sequence.json`
 * once to learn where "now" is, then `{n}.json` for n = cursor, cursor+1 … until 404.
 * Every killmail goes through KillmailService (the HTTP route's idempotent path), and the
 * cursor is persisted after each one, so a restart resumes exactly where it stopped: a
 * killmail ingested just before a crash is refetched and recognised as a duplicate, never
 * sent twice, and none is skipped.
 *
 * Failures (timeouts, network errors, non-2xx, bodies that are not JSON) are logged,
 * counted in herald_killmail_upstream_errors_total and retried with exponential backoff.
 * A body that is JSON but not a valid killmail is retried too (the feed may be mid-write),
 * and skipped after `maxAttemptsPerItem` attempts so one bad entry cannot stall the feed.
 */
@Injectable()
export class KillmailUpstreamPollerJob implements OnModuleInit, OnModuleDestroy {
  /** Tuning without environment variables of its own (docs/configuration.md lists none); tests shorten them. */
  static intervalMs = 2000;
  static requestTimeoutMs = 10_000;
  static maxBackoffMs = 60_000;
  static maxItemsPerRun = 500;
  static maxAttemptsPerItem = 5;
  /** Renewed with every item; after a crash another instance takes over once it lapses. */
  static leaseTtlMs = 30_000;
  /** How long a 404 must persist before sequence.json is asked whether the entry is gone for good. */
  static gapCheckMs = 60_000;

  private readonly logger = new Logger(KillmailUpstreamPollerJob.name);
  private readonly owner = randomUUID();
  private readonly shutdown = new AbortController();
  private running: Promise<PollOutcome> | undefined;
  private consecutiveFailures = 0;
  private retryAt = 0;
  private invalid: { sequence: bigint; attempts: number } | undefined;
  /** A 404 streak: since when `sequence` has been missing, and the feed's head once confirmed past it. */
  private missing: { sequence: bigint; since: number; head?: bigint } | undefined;

  constructor(
    private readonly killmails: KillmailService,
    private readonly cursors: KillmailPollerCursorRepository,
    private readonly metrics: KillmailMetrics,
    private readonly scheduler: JobScheduler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get base(): string | undefined {
    return this.config.killmail.upstreamUrl?.replace(/\/+$/, '');
  }

  /** Registers the job when KILLMAIL_UPSTREAM_URL is set; otherwise the poller stays off. */
  onModuleInit(): void {
    if (!this.base) return;
    this.logger.log(`polling ${this.base} every ${KillmailUpstreamPollerJob.intervalMs} ms`);
    this.scheduler.register({
      name: UPSTREAM_JOB,
      intervalMs: KillmailUpstreamPollerJob.intervalMs,
      run: async ({ signal }) => {
        await this.poll(signal);
      },
    });
  }

  /**
   * One run; concurrent calls on this instance share it. Never rejects. `signal` (the job
   * run's: SIGTERM, or its lease lost) aborts the upstream request in flight and ends the run.
   */
  poll(signal?: AbortSignal): Promise<PollOutcome> {
    const stop = signal ? AbortSignal.any([this.shutdown.signal, signal]) : this.shutdown.signal;
    this.running ??= this.pollOnce(stop).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pollOnce(stop: AbortSignal): Promise<PollOutcome> {
    const base = this.base;
    if (!base || stop.aborted) return { ingested: 0, stopped: 'shutdown' };
    if (Date.now() < this.retryAt) return { ingested: 0, stopped: 'backoff' };
    const ttl = KillmailUpstreamPollerJob.leaseTtlMs;
    let ingested = 0;
    let leased = false;
    try {
      const lease = await this.cursors.lease(base, this.owner, ttl);
      if (!lease) return { ingested: 0, stopped: 'leased_elsewhere' };
      leased = true;
      let next = lease.nextSequence;
      if (next === null) {
        next = await this.currentSequence(base, stop);
        await this.cursors.advance(base, this.owner, next, ttl);
        this.logger.log(`upstream cursor initialised at sequence ${next}`);
      }
      for (let step = 0; ; step++) {
        if (stop.aborted) return { ingested, stopped: 'shutdown' };
        if (step >= KillmailUpstreamPollerJob.maxItemsPerRun) return this.succeeded(ingested, 'batch_limit');
        const body = await this.fetchJson(`${base}/${next}.json`, stop);
        if (body === undefined) {
          if (!(await this.isGone(base, next, stop))) return this.succeeded(ingested, 'caught_up');
          this.metrics.upstreamErrors.inc({ reason: 'gone' });
          this.logger.error(`upstream sequence ${next} is missing while the feed is past it (expired or never written): skipped`);
        } else {
          this.missing = undefined;
          if (await this.ingestOrSkip(next, body)) ingested++;
        }
        if (!(await this.cursors.advance(base, this.owner, next + 1n, ttl))) {
          return this.succeeded(ingested, 'leased_elsewhere');
        }
        next++;
      }
    } catch (err) {
      if (stop.aborted) return { ingested, stopped: 'shutdown' };
      this.failed(err);
      return { ingested, stopped: 'failed' };
    } finally {
      if (leased) await this.cursors.release(base, this.owner).catch(() => undefined);
    }
  }

  /** True when ingested (new or duplicate); false when skipped as permanently invalid. Throws to retry. */
  private async ingestOrSkip(sequence: bigint, body: unknown): Promise<boolean> {
    try {
      await this.killmails.ingestRaw(unwrapUpstreamKillmail(body), 'upstream');
      this.invalid = undefined;
      return true;
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'bad_request')) throw err;
      const attempts = this.invalid?.sequence === sequence ? this.invalid.attempts + 1 : 1;
      this.invalid = { sequence, attempts };
      if (attempts < KillmailUpstreamPollerJob.maxAttemptsPerItem) {
        throw new KillmailUpstreamError('invalid', `sequence ${sequence} is not a valid killmail (attempt ${attempts}): ${err.message}`);
      }
      this.metrics.upstreamErrors.inc({ reason: 'skipped' });
      this.logger.error(`upstream sequence ${sequence} skipped after ${attempts} invalid responses: ${err.message}`);
      this.invalid = undefined;
      return false;
    }
  }

  /**
   * A 404 normally means "not published yet". It means "gone" (expired from the feed after a
   * long outage, or a hole) only when it persists for `gapCheckMs` AND sequence.json says the
   * feed is past it; once confirmed, later 404s below that head are gone too, so a long
   * expired stretch is crossed without waiting on each entry.
   */
  private async isGone(base: string, sequence: bigint, stop: AbortSignal): Promise<boolean> {
    const now = Date.now();
    if (this.missing?.head !== undefined && sequence < this.missing.head) return true;
    if (this.missing?.sequence !== sequence) {
      this.missing = { sequence, since: now };
      return false;
    }
    if (now - this.missing.since < KillmailUpstreamPollerJob.gapCheckMs) return false;
    const head = await this.currentSequence(base, stop);
    if (head > sequence) {
      this.missing.head = head;
      return true;
    }
    this.missing.since = now; // just not published yet; ask again after another gapCheckMs
    return false;
  }

  private async currentSequence(base: string, stop: AbortSignal): Promise<bigint> {
    const body = await this.fetchJson(`${base}/sequence.json`, stop);
    const sequence = (body as { sequence?: unknown } | undefined)?.sequence;
    if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0) {
      throw new KillmailUpstreamError('garbage', `sequence.json did not hold {"sequence": <n>}`);
    }
    return BigInt(sequence);
  }

  /** The parsed JSON body; `undefined` on 404 (not published yet). */
  /**
   * One GET of the feed. No redirect is followed (a feed that redirects, perhaps to an
   * internal address, is refused) and the body is read as a stream and abandoned past
   * MAX_RESPONSE_BYTES, so a hostile or broken upstream cannot make the poller buffer more.
   * `stop` (shutdown, or the job run aborted) aborts it.
   */
  private async fetchJson(url: string, stop: AbortSignal): Promise<unknown> {
    const signal = AbortSignal.any([stop, AbortSignal.timeout(KillmailUpstreamPollerJob.requestTimeoutMs)]);
    let text: string;
    let status: number;
    try {
      const res = await fetch(url, { signal, redirect: 'manual', headers: { accept: 'application/json' } });
      status = res.status;
      if (status === 404 || status < 200 || status >= 300) {
        await res.body?.cancel().catch(() => undefined);
      }
      if (status >= 300 && status < 400) throw new KillmailUpstreamError('http_status', `${url}: HTTP ${status} redirect refused`);
      text = status >= 200 && status < 300 ? await readCapped(res, MAX_RESPONSE_BYTES, url) : '';
    } catch (err) {
      if (err instanceof KillmailUpstreamError) throw err;
      if (stop.aborted) throw err;
      const timeout = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
      throw new KillmailUpstreamError(timeout ? 'timeout' : 'network', `${url}: ${timeout ? 'timed out' : (err as Error).message}`);
    }
    if (status === 404) return undefined;
    if (status < 200 || status >= 300) throw new KillmailUpstreamError('http_status', `${url}: HTTP ${status}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new KillmailUpstreamError('garbage', `${url}: response is not JSON`);
    }
  }

  private succeeded(ingested: number, stopped: PollOutcome['stopped']): PollOutcome {
    this.consecutiveFailures = 0;
    this.retryAt = 0;
    return { ingested, stopped };
  }

  private failed(err: unknown): void {
    this.consecutiveFailures++;
    const delay = Math.min(KillmailUpstreamPollerJob.intervalMs * 2 ** (this.consecutiveFailures - 1), KillmailUpstreamPollerJob.maxBackoffMs);
    this.retryAt = Date.now() + delay;
    // Not a KillmailUpstreamError: storing or publishing failed (database down); retried the same way.
    this.metrics.upstreamErrors.inc({ reason: err instanceof KillmailUpstreamError ? err.reason : 'ingest' });
    this.logger.warn(`upstream poll failed (${this.consecutiveFailures} in a row, retrying in ${delay} ms): ${(err as Error)?.message ?? String(err)}`);
  }

  /** Aborts requests in flight and waits for the run to end while the database is still open. */
  async onModuleDestroy(): Promise<void> {
    this.shutdown.abort();
    await this.running?.catch(() => undefined);
  }
}

/** The body as text, or a KillmailUpstreamError as soon as it passes `max` bytes (the rest is never read). */
async function readCapped(res: Response, max: number, url: string): Promise<string> {
  const { text, truncated } = await readBodyCapped(res, max);
  if (truncated) throw new KillmailUpstreamError('garbage', `${url}: response larger than ${max} bytes`);
  return text;
}
