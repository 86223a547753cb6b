import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Counter } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '../../config';
import { LifecycleService } from '../../core/health';
import { MetricsService } from '../../core/observability';
import { NOTIFICATION_PRIORITIES } from '../../core/ports';
import { DiscordWebhookClient, discordMessage } from './discord-webhook.client';
import { NotificationWebhookRepository } from './notification-webhook.repository';
import { toNotificationDto, type NotificationDto } from './notifications.dto';

/**
 * Which notifications are escalated to Discord (DISCORD_WEBHOOK_CATEGORIES and
 * DISCORD_WEBHOOK_MIN_PRIORITY): those of the configured categories, plus those at or
 * above the priority threshold whatever their category. The defaults are the alert
 * categories an operator must see even when nobody has the app open (the earlier dashboard
 * routed compliance alerts to Discord; defense covers attacks and incursions) and `critical`.
 */
export function escalationRule(discord: Pick<AppConfig['discord'], 'categories' | 'minPriority'>) {
  const categories = new Set<string>(discord.categories);
  const threshold = discord.minPriority === undefined ? Infinity : NOTIFICATION_PRIORITIES.indexOf(discord.minPriority);
  return (n: Pick<NotificationDto, 'category' | 'priority'>): boolean =>
    categories.has(n.category) || NOTIFICATION_PRIORITIES.indexOf(n.priority) >= threshold;
}

interface WebhookDeliveryOptions {
  /** Per request; a post with no answer in time has an unknown outcome and is not retried. */
  timeoutMs: number;
  /** Backoff before retry n (1-based) is base × 2^(n-1), capped at maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** HTTP attempts per delivery, 429s included, before it is marked failed. */
  maxAttempts: number;
  /** Deliveries claimed at a time, and batches per pass (Discord allows ~5 posts / 2 s per webhook). */
  batchSize: number;
  maxBatchesPerPass: number;
  /** Period of the once-per-tick job that catches up on whatever local timers missed. */
  jobIntervalMs: number;
}

const DEFAULT_WEBHOOK_OPTIONS: WebhookDeliveryOptions = {
  timeoutMs: 10_000,
  baseBackoffMs: 2_000,
  maxBackoffMs: 5 * 60_000,
  maxAttempts: 6,
  batchSize: 10,
  maxBatchesPerPass: 5,
  jobIntervalMs: 5_000,
};

/** Extra time a claim is held beyond the request timeout before it counts as abandoned. */
const LEASE_SLACK_MS = 30_000;

interface DeliveryPassResult {
  delivered: number;
  retrying: number;
  failed: number;
  skipped: number;
}

/**
 * Delivers escalated notifications to the Discord webhook, apart from in-app delivery (a
 * slow or failing webhook never delays `notifications:new`). Each delivery row is posted
 * at most once successfully: retries happen only when the answer proves the post was not
 * accepted (429, 5xx, connection refused); a timeout or an interrupted claim is recorded
 * as failed with an unknown outcome instead of risking a duplicate.
 */
@Injectable()
export class NotificationWebhookService implements OnModuleDestroy {
  private readonly logger = new Logger(NotificationWebhookService.name);
  private readonly url: string | undefined;
  private readonly escalates: ReturnType<typeof escalationRule>;
  /** `discord:<hash of the URL>`: the URL carries a secret token and is never stored or logged. */
  readonly target: string | undefined;
  private options: WebhookDeliveryOptions = { ...DEFAULT_WEBHOOK_OPTIONS };
  private readonly outcomes: Counter<'outcome'>;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly repository: NotificationWebhookRepository,
    private readonly client: DiscordWebhookClient,
    metrics: MetricsService,
    private readonly lifecycle: LifecycleService,
  ) {
    this.url = config.discord.enabled ? config.discord.webhookUrl : undefined;
    this.escalates = escalationRule(config.discord);
    this.target = this.url ? `discord:${createHash('sha256').update(this.url).digest('hex').slice(0, 16)}` : undefined;
    this.outcomes = new Counter({
      name: 'herald_notification_webhook_attempts_total',
      help: 'Discord webhook delivery attempts, by outcome',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  get enabled(): boolean {
    return this.target !== undefined;
  }

  get settings(): Readonly<WebhookDeliveryOptions> {
    return this.options;
  }

  /** Tunes timing (tests use short timeouts and backoffs). */
  configure(options: Partial<WebhookDeliveryOptions>): void {
    this.options = { ...this.options, ...options };
  }

  /** The webhook target a new notification is escalated to, or undefined. */
  targetFor(n: Pick<NotificationDto, 'category' | 'priority'>): string | undefined {
    return this.target && this.escalates(n) ? this.target : undefined;
  }

  /** Starts a delivery pass on this instance without waiting for it (new deliveries, retries falling due). */
  kick(): void {
    this.drain().catch((err: Error) => this.logger.warn(`webhook delivery pass failed: ${err.message}`));
  }

  /**
   * Runs delivery passes until nothing asked for another one meanwhile. Concurrent callers
   * share the running pass; a failing pass rejects so the job counts it.
   */
  drain(signal?: AbortSignal): Promise<void> {
    if (!this.enabled || this.halted(signal)) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      let failure: unknown;
      do {
        this.again = false;
        failure = undefined;
        try {
          await this.process(signal);
        } catch (err) {
          failure = err;
        }
      } while (this.again && !this.halted(signal));
      await this.scheduleNext().catch(() => undefined);
      if (failure) throw failure instanceof Error ? failure : new Error(`webhook delivery pass failed: ${JSON.stringify(failure)}`);
    })();
    this.running = run.finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** No new post starts once the process is shutting down (SIGTERM) or the job's run was aborted. */
  private halted(signal: AbortSignal | undefined): boolean {
    return this.stopped || this.lifecycle.shuttingDown || signal?.aborted === true;
  }

  /** How long a claim made or renewed now lasts: one request timeout plus slack. */
  private leaseUntil(): Date {
    return new Date(Date.now() + this.options.timeoutMs + LEASE_SLACK_MS);
  }

  /**
   * One pass: close abandoned claims, drop acknowledged ones, post what is due. Once
   * `signal` is aborted (shutdown) no further post starts; the one in flight ends within
   * its timeout and its outcome is recorded.
   */
  async process(signal?: AbortSignal): Promise<DeliveryPassResult> {
    const result: DeliveryPassResult = { delivered: 0, retrying: 0, failed: 0, skipped: 0 };
    if (!this.url) return result;
    const opts = this.options;
    result.failed += await this.repository.expireLeases(new Date());
    result.skipped += await this.repository.skipAcknowledged();
    for (let batch = 0; batch < opts.maxBatchesPerPass && !this.halted(signal); batch++) {
      const now = new Date();
      const claimed = await this.repository.claimDue(now, this.leaseUntil(), opts.batchSize);
      let pausedUntil: Date | undefined;
      for (let i = 0; i < claimed.length; i++) {
        const delivery = claimed[i];
        if (pausedUntil || this.halted(signal)) {
          // The webhook asked us to wait (rate limit), or we are shutting down: hand the rest back untouched.
          await this.repository.release(claimed.slice(i).map((c) => c.id), pausedUntil ?? new Date());
          break;
        }
        // A batch can take many request timeouts: renew the claims before each post, so
        // another instance never closes a claim that is still being worked on.
        const held = await this.repository.renewLeases(claimed.slice(i).map((c) => c.id), this.leaseUntil());
        if (!held.has(delivery.id)) continue; // closed elsewhere as abandoned: no longer ours to post
        if (delivery.target !== this.target) {
          await this.repository.failed(delivery.id, 'webhook target no longer configured');
          result.failed++;
          continue;
        }
        const attempt = delivery.attempts + 1;
        const outcome = await this.client.post(this.url, discordMessage(toNotificationDto(delivery.notification)), opts.timeoutMs);
        this.outcomes.inc({ outcome: outcome.kind });
        switch (outcome.kind) {
          case 'delivered':
            await this.repository.delivered(delivery.id, new Date());
            result.delivered++;
            break;
          case 'retry': {
            if (attempt >= opts.maxAttempts) {
              await this.repository.failed(delivery.id, `gave up after ${attempt} attempts: ${outcome.error}`);
              this.logger.warn(`webhook delivery ${delivery.id} (${delivery.target}) failed after ${attempt} attempts: ${outcome.error}`);
              result.failed++;
              break;
            }
            const next = new Date(Date.now() + (outcome.retryAfterMs ?? this.backoffMs(attempt)));
            await this.repository.retryAt(delivery.id, next, outcome.error);
            if (outcome.retryAfterMs !== undefined) pausedUntil = next;
            result.retrying++;
            break;
          }
          case 'rejected':
          case 'unknown':
            await this.repository.failed(delivery.id, outcome.error);
            this.logger.warn(`webhook delivery ${delivery.id} (${delivery.target}) failed: ${outcome.error}`);
            result.failed++;
            break;
        }
      }
      if (claimed.length < opts.batchSize || pausedUntil) break;
    }
    return result;
  }

  backoffMs(attempt: number): number {
    return Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** (attempt - 1));
  }

  /** Wakes this instance when the next retry falls due, if that is before the job's next tick. */
  private async scheduleNext(): Promise<void> {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const due = await this.repository.nextDue();
    if (!due) return;
    const delay = Math.max(0, due.getTime() - Date.now());
    if (delay > this.options.jobIntervalMs) return;
    this.timer = setTimeout(() => this.kick(), delay + 5);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }
}
