import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IntelligenceItem } from '../../generated/prisma/client';
import { APP_CONFIG, type AppConfig } from '../../config';
import { UnitOfWork, type Transaction } from '../../core/realtime';
import { assessChange, priorityOf, type Crossing, type Thresholds } from './change-detection';
import { CountryRepository, type CheckedCountry, type CountryWithBaseline, type NewItem } from './country.repository';
import { toItemEventData } from './intelligence.dto';
import type { FigureChangeData } from './intelligence.events';
import { IntelligencePublisher } from './intelligence.publisher';

/** Countries read and compared per batch: small enough that one batch's work is a few ms of CPU. */
export const BROADCAST_BATCH_SIZE = 500;

interface BroadcastReport {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  countries: number;
  batches: number;
  largestBatch: number;
  /** Times the run gave the event loop back between batches. */
  yields: number;
  crossings: number;
  baselinesInitialised: number;
  /** Countries whose baseline another run advanced first (it alerted them). */
  skippedConcurrent: number;
  failedCountries: number;
}

const FIGURE_LABEL: Record<Crossing['figure'], string> = { gdp: 'GDP', population: 'Population', vitality: 'Vitality', economicTier: 'Economic tier' };

/**
 * The change-detection run behind the broadcast job (the earlier app's `processBroadcasts`): pages
 * through every country, compares its figures with its baseline (change-detection.ts),
 * and for each crossing records one alert item and advances the baseline (at most once
 * per baseline version) in one transaction with the events that announce it:
 * `intelligence:update` (the new item), `intelligence:alert` and `economic:change` or
 * `vitality:update`. A baseline never moves without its alerts, nor alerts without it.
 *
 * Runs in this process are serialised; runs on different instances (a manual trigger
 * beside the scheduled tick) are kept apart by the baseline version.
 */
@Injectable()
export class IntelligenceBroadcastService {
  private readonly logger = new Logger(IntelligenceBroadcastService.name);
  private queue: Promise<unknown> = Promise.resolve();
  private lastReport: BroadcastReport | null = null;
  private lastError: string | null = null;

  /** How a run hands the event loop back between batches (replaceable in unit tests to count yields). */
  yieldToEventLoop: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve));

  constructor(
    private readonly countries: CountryRepository,
    private readonly publisher: IntelligencePublisher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly uow: UnitOfWork,
  ) {}

  get last(): { report: BroadcastReport | null; error: string | null } {
    return { report: this.lastReport, error: this.lastError };
  }

  /** `signal` (the job's: shutdown) stops the run between countries; what is done stays done. */
  run(signal?: AbortSignal): Promise<BroadcastReport> {
    const next = this.queue.catch(() => undefined).then(() => this.runOnce(signal));
    this.queue = next;
    return next;
  }

  private async runOnce(signal?: AbortSignal): Promise<BroadcastReport> {
    const started = Date.now();
    const thresholds: Thresholds = this.config.intelligence;
    const report: BroadcastReport = {
      startedAt: new Date(started).toISOString(),
      finishedAt: '',
      durationMs: 0,
      countries: 0,
      batches: 0,
      largestBatch: 0,
      yields: 0,
      crossings: 0,
      baselinesInitialised: 0,
      skippedConcurrent: 0,
      failedCountries: 0,
    };
    let firstFailure: unknown;
    try {
      let after: string | undefined;
      while (!signal?.aborted) {
        const batch = await this.countries.page(after, BROADCAST_BATCH_SIZE);
        if (!batch.length) break;
        report.batches++;
        report.countries += batch.length;
        report.largestBatch = Math.max(report.largestBatch, batch.length);
        after = batch[batch.length - 1].country.id;

        const withoutBaseline = batch.filter((c) => !c.baseline).map((c) => c.country);
        await this.countries.initialiseBaselines(withoutBaseline);
        report.baselinesInitialised += withoutBaseline.length;

        for (const entry of batch) {
          if (signal?.aborted) break;
          try {
            await this.processCountry(entry, thresholds, report);
          } catch (err) {
            report.failedCountries++;
            firstFailure ??= err;
          }
        }
        if (batch.length < BROADCAST_BATCH_SIZE) break;
        // Give sockets, timers and HTTP a turn before the next batch (10,000 countries must not hold the loop).
        await this.yieldToEventLoop();
        report.yields++;
      }
    } catch (err) {
      this.lastError = messageOf(err);
      throw err;
    }
    report.finishedAt = new Date().toISOString();
    report.durationMs = Date.now() - started;
    this.lastReport = report;
    if (firstFailure) {
      this.lastError = `${report.failedCountries} countries failed; first: ${messageOf(firstFailure)}`;
      throw new Error(this.lastError);
    }
    this.lastError = null;
    return report;
  }

  private async processCountry({ country, baseline }: CountryWithBaseline, thresholds: Thresholds, report: BroadcastReport): Promise<void> {
    if (!baseline) return; // just initialised: this is its first sight
    const assessment = assessChange(country, baseline, thresholds);
    if (!assessment.baselineMoved) return;
    const items = assessment.crossings.map((c) => itemFor(country, c));
    const created = await this.uow.run(async (tx) => {
      const made = await this.countries.advanceBaseline(tx, country.id, baseline.version, assessment.nextBaseline, items);
      for (const crossing of made ? assessment.crossings : []) {
        const item = made!.find((i) => (i.data as { figure?: string } | null)?.figure === crossing.figure);
        if (item) this.announceIn(tx, country, crossing, item);
      }
      return made;
    });
    if (created === null) {
      report.skippedConcurrent++;
      return;
    }
    report.crossings += assessment.crossings.length;
  }

  private announceIn(tx: Transaction, country: CheckedCountry, crossing: Crossing, item: IntelligenceItem): void {
    const change: FigureChangeData = { ...crossing, countryName: country.name, itemId: item.id.toString() };
    this.publisher.crossingIn(
      tx,
      { category: item.category, countryId: country.id, priority: item.priority, data: toItemEventData(item) },
      { figure: crossing.figure === 'vitality' ? 'vitality' : 'economic', data: change },
    );
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : JSON.stringify(err));

function itemFor(country: CheckedCountry, c: Crossing): NewItem {
  const label = FIGURE_LABEL[c.figure];
  let description: string;
  let title: string;
  if (c.figure === 'economicTier') {
    title = `${country.name}: economic tier now ${String(c.current)}`;
    description = `Economic tier changed from ${String(c.previous)} to ${String(c.current)}.`;
  } else if (c.figure === 'vitality') {
    title = `${country.name}: vitality fell ${Math.abs(c.delta ?? 0)} points`;
    description = `Vitality fell from ${String(c.previous)} to ${String(c.current)} (threshold ${c.threshold} points).`;
  } else {
    const direction = (c.delta ?? 0) >= 0 ? 'rose' : 'fell';
    const pct = c.deltaPct === null ? 'from zero' : `${Math.abs(c.deltaPct).toFixed(2)} %`;
    title = `${country.name}: ${label} ${direction} ${pct}`;
    description = `${label} ${direction} from ${String(c.previous)} to ${String(c.current)} (threshold ${c.threshold} %).`;
  }
  return { category: 'economic', priority: priorityOf(c), title, description, data: { ...c } };
}
