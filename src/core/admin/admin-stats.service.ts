import { Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import type { MetricValue } from 'prom-client';
import { MetricsService } from '../observability/metrics.service';
import { PrismaService } from '../prisma/prisma.service';
import { RealtimeServer } from '../realtime/realtime-server';
import { RedisService } from '../redis/redis.service';
import { JobScheduler } from '../scheduling/job-scheduler.service';
import { namespaceStats, type NamespaceStats } from './namespace-stats';

/** Latency quantiles are taken over this many ticks, so a quiet second does not blank them. */
const LATENCY_WINDOW_TICKS = 10;
const DB_PING_TIMEOUT_MS = 1000;

/** Several apps in one process (tests) still need distinct instance names. */
let instancesInProcess = 0;

export interface InstanceStats {
  /** hostname:pid — a pod name under Kubernetes. */
  instance: string;
  at: string;
  uptimeSeconds: number;
  accepting: boolean;
  namespaces: NamespaceStats[];
  /** Per second, over the last tick. */
  publishedPerSecond: number;
  deliveredPerSecond: number;
  /** Publish-to-emit latency over the last ten ticks, from the histogram buckets; null when nothing was published. */
  publishLatencyMs: { p50: number; p99: number; samples: number } | null;
  /** Refused connections since start, by code (all namespaces). */
  rejectedByCode: Record<string, number>;
  jobs: Array<{ name: string; lastRunAt: string | null; lastOutcome: 'success' | 'failure' | null; lastError: string | null; runs: number; failures: number; nextRunAt: string }>;
  database: { engine: string; up: boolean; error?: string };
  redis: { enabled: boolean; up: boolean };
}

interface Totals {
  at: number;
  published: number;
  delivered: number;
  /** Cumulative count per histogram bucket upper bound (summed over event names). */
  buckets: Map<number, number>;
}

/**
 * This instance's figures for the operator console, read from the live metric objects and
 * the kernel services — not by scraping /metrics text. `sample()` is called once per stream
 * tick; rates are differences between consecutive samples.
 */
@Injectable()
export class AdminStatsService {
  readonly instance = `${hostname()}:${process.pid}${++instancesInProcess > 1 ? `#${instancesInProcess}` : ''}`;
  private readonly startedAt = Date.now();
  private readonly history: Totals[] = [];
  /** The last sample's database ping; undefined before the first. */
  databaseUp: boolean | undefined;

  constructor(
    private readonly metrics: MetricsService,
    private readonly realtime: RealtimeServer,
    private readonly scheduler: JobScheduler,
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
  ) {}

  async sample(): Promise<InstanceStats> {
    const now = Date.now();
    const [published, delivered, latency, rejected, database] = await Promise.all([
      this.metrics.published.get(),
      this.metrics.delivered.get(),
      this.metrics.publishLatency.get(),
      this.metrics.rejectedConnections.get(),
      this.databaseState(),
    ]);
    this.databaseUp = database.up;
    const totals: Totals = { at: now, published: sum(published.values), delivered: sum(delivered.values), buckets: bucketTotals(latency.values) };
    const previous = this.history[this.history.length - 1];
    const oldest = this.history[0];
    this.history.push(totals);
    if (this.history.length > LATENCY_WINDOW_TICKS) this.history.shift();

    const seconds = previous ? Math.max((now - previous.at) / 1000, 0.001) : 1;
    return {
      instance: this.instance,
      at: new Date(now).toISOString(),
      uptimeSeconds: Math.round((now - this.startedAt) / 1000),
      accepting: this.realtime.isAccepting,
      namespaces: this.realtime.namespaces().map(namespaceStats),
      publishedPerSecond: previous ? round((totals.published - previous.published) / seconds) : 0,
      deliveredPerSecond: previous ? round((totals.delivered - previous.delivered) / seconds) : 0,
      publishLatencyMs: oldest && oldest !== totals ? latencyQuantiles(oldest.buckets, totals.buckets) : null,
      rejectedByCode: rejectedByCode(rejected.values),
      jobs: this.scheduler.statuses().map((j) => ({
        name: j.name,
        lastRunAt: j.lastRunAt,
        lastOutcome: j.lastOutcome,
        lastError: j.lastError,
        runs: j.runs,
        failures: j.failures,
        // Ticks are aligned to the wall clock (see JobScheduler), so the next one is computable.
        nextRunAt: new Date((Math.floor(now / j.intervalMs) + 1) * j.intervalMs).toISOString(),
      })),
      database,
      redis: { enabled: this.redis.enabled, up: !this.redis.enabled || this.redis.isHealthy() },
    };
  }

  private async databaseState(): Promise<InstanceStats['database']> {
    const engine = this.prisma.engine;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.prisma.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${DB_PING_TIMEOUT_MS} ms`)), DB_PING_TIMEOUT_MS);
        }),
      ]);
      return { engine, up: true };
    } catch (err) {
      return { engine, up: false, error: (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }
}

function sum(values: MetricValue<string>[]): number {
  return values.reduce((total, v) => total + v.value, 0);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function bucketTotals(values: MetricValue<string>[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const v of values) {
    const le = v.labels.le;
    if (le === undefined || (v as { metricName?: string }).metricName?.endsWith('_bucket') === false) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + v.value);
  }
  return out;
}

function rejectedByCode(values: MetricValue<string>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const code = String(v.labels.code ?? 'unknown');
    out[code] = (out[code] ?? 0) + v.value;
  }
  return out;
}

/**
 * Quantiles of the observations made between two cumulative bucket snapshots, linearly
 * interpolated inside the bucket that holds them (what Prometheus' histogram_quantile does).
 */
export function latencyQuantiles(before: Map<number, number>, after: Map<number, number>): InstanceStats['publishLatencyMs'] {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return null;
  const quantile = (q: number): number => {
    const rank = q * total;
    for (let i = 0; i < bounds.length; i++) {
      if (counts[i] >= rank) {
        const upper = bounds[i];
        const lower = i === 0 ? 0 : bounds[i - 1];
        if (!Number.isFinite(upper)) return lower * 1000;
        const below = i === 0 ? 0 : counts[i - 1];
        const inBucket = counts[i] - below;
        const fraction = inBucket > 0 ? (rank - below) / inBucket : 1;
        return round((lower + (upper - lower) * fraction) * 1000);
      }
    }
    return round(bounds[bounds.length - 2] * 1000);
  };
  return { p50: quantile(0.5), p99: quantile(0.99), samples: total };
}
