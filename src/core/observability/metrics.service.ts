import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus series served at /metrics (docs/operations.md alerts on them), one registry per app instance. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly connections = new Gauge({
    name: 'herald_connections',
    help: 'Open Socket.IO connections per namespace',
    labelNames: ['namespace'],
    registers: [this.registry],
  });
  readonly published = new Counter({
    name: 'herald_events_published_total',
    help: 'Events published, by event name',
    labelNames: ['event'],
    registers: [this.registry],
  });
  readonly delivered = new Counter({
    name: 'herald_events_delivered_total',
    help: 'Event deliveries to sockets on this instance, by event name',
    labelNames: ['event'],
    registers: [this.registry],
  });
  readonly publishLatency = new Histogram({
    name: 'herald_publish_to_emit_seconds',
    help: 'Time from publish() to emit, including persistence to the event log',
    labelNames: ['event'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  /**
   * The event log's own writes, from sending the statement to its answer: how long the
   * database keeps publishes waiting, apart from the queueing and emitting that
   * herald_publish_to_emit_seconds also counts.
   */
  readonly eventLogRoundTrip = new Histogram({
    name: 'herald_event_log_round_trip_seconds',
    help: "The event log's statements, sent to answered: append (a group of plain publishes) and claim (taking an append's emit after its commit)",
    labelNames: ['statement'],
    buckets: [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly jobRuns = new Counter({
    name: 'herald_job_runs_total',
    help: 'Scheduled job runs on this instance',
    labelNames: ['job', 'outcome'],
    registers: [this.registry],
  });
  readonly replays = new Counter({
    name: 'herald_replays_total',
    help: 'Replay requests, by outcome (replayed, expired, empty)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly replayedEvents = new Counter({
    name: 'herald_replayed_events_total',
    help: 'Events re-sent by replay',
    registers: [this.registry],
  });
  readonly replaySkippedLive = new Counter({
    name: 'herald_replay_skipped_live_total',
    help: 'Events a replay left out because the socket had already received them live through another room',
    registers: [this.registry],
  });
  readonly outboxRelayed = new Counter({
    name: 'herald_outbox_relayed_total',
    help: 'Committed events the outbox relay emitted because their own emit never happened (a crash between commit and emit)',
    registers: [this.registry],
  });
  readonly gapRepairs = new Counter({
    name: 'herald_gap_repairs_total',
    help: 'Reads of the event log that delivered events this instance had not received live, by what started them (hole, poll, reconnect)',
    labelNames: ['trigger'],
    registers: [this.registry],
  });
  readonly gapRepairEvents = new Counter({
    name: 'herald_gap_repair_events_total',
    help: 'Logged events delivered to this instance\'s sockets from the event log because their live broadcast never arrived',
    registers: [this.registry],
  });
  readonly gapResyncs = new Counter({
    name: 'herald_gap_resyncs_total',
    help: 'Gaps that could not be filled (the events had been removed by retention): local sockets were told to resync',
    registers: [this.registry],
  });
  readonly rejectedConnections = new Counter({
    name: 'herald_rejected_connections_total',
    help: 'Refused connections and handshakes, by namespace and code',
    labelNames: ['namespace', 'code'],
    registers: [this.registry],
  });
  readonly socketErrors = new Counter({
    name: 'herald_socket_errors_total',
    help: 'Socket requests answered with an error, by code',
    labelNames: ['namespace', 'code'],
    registers: [this.registry],
  });
  readonly droppedFrames = new Counter({
    name: 'herald_dropped_frames_total',
    help: 'Frames dropped for slow consumers',
    labelNames: ['transport'],
    registers: [this.registry],
  });
  private batchAdmission: { readonly waiting: number; readonly admitted: number } = { waiting: 0, admitted: 0 };

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'herald_' });
    const admission = () => this.batchAdmission;
    new Gauge({
      name: 'herald_batch_requests_waiting',
      help: 'Batch publish requests waiting for a slot (BATCH_PUBLISH_CONCURRENCY), bodies unread',
      registers: [this.registry],
      collect() {
        this.set(admission().waiting);
      },
    });
    new Gauge({
      name: 'herald_batch_requests_in_progress',
      help: 'Batch publish requests holding a slot (BATCH_PUBLISH_CONCURRENCY): being read, stored or answered',
      registers: [this.registry],
      collect() {
        this.set(admission().admitted);
      },
    });
  }

  /** What `herald_batch_requests_waiting` and `…_in_progress` read at each scrape: the batch admission gate. */
  reportBatchAdmission(gate: { readonly waiting: number; readonly admitted: number }): void {
    this.batchAdmission = gate;
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
