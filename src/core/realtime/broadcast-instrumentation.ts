import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { MetricsService } from '../observability/metrics.service';
import { installDeliveryPipeline, sequenceNamespace } from './delivery-pipeline';
import { DeliverySequencer } from './delivery-sequencer';
import { createLiveDeliveryLog } from './live-delivery-log';

/**
 * Puts a namespace's broadcasts through the delivery pipeline (sequencing of logged events,
 * revocations, the delivered counter) and records what each socket received live
 * (LiveDeliveryLog), so `since` replays skip it.
 */
@Injectable()
export class BroadcastInstrumentation {
  constructor(
    private readonly metrics: MetricsService,
    private readonly sequencer: DeliverySequencer,
  ) {}

  /** From the moment the namespace exists, before any socket joins a room. */
  install(nsp: Namespace): void {
    installDeliveryPipeline(nsp, this.metrics, createLiveDeliveryLog(nsp), this.sequencer);
  }

  /** Lets the sequencer deliver events read back from the log into a namespace a gateway serves. */
  serve(nsp: Namespace): void {
    sequenceNamespace(nsp, this.sequencer);
  }
}
