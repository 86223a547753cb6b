import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../../core/observability';

export type IngestSource = 'http' | 'upstream';

/** The killmail module's own series, in the app's registry (raw-feed drops use the kernel's droppedFrames). */
@Injectable()
export class KillmailMetrics {
  readonly ingested: Counter<'source' | 'outcome'>;
  readonly upstreamErrors: Counter<'reason'>;

  constructor(metrics: MetricsService) {
    this.ingested = new Counter({
      name: 'herald_killmails_ingested_total',
      help: 'Killmails ingested, by source (http, upstream) and outcome (new, duplicate)',
      labelNames: ['source', 'outcome'],
      registers: [metrics.registry],
    });
    this.upstreamErrors = new Counter({
      name: 'herald_killmail_upstream_errors_total',
      help: 'Failed upstream feed requests, by reason (timeout, network, http_status, garbage, invalid, skipped, gone, ingest)',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
  }
}
