import { Inject, Injectable, Logger, type INestApplication } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, type AppConfig } from '../../config';
import { RealtimeServer } from '../realtime/realtime-server';
import { emitSystemEvent } from '../realtime/system-events';
import { JobScheduler } from '../scheduling/job-scheduler.service';
import { LifecycleService } from './lifecycle.service';

/** How long clients should wait before reconnecting (spreads the herd over other instances). */
const RECONNECT_IN_MS = 1000;
const BATCH_PAUSE_MS = 20;

/** Time kept back from SHUTDOWN_DEADLINE_MS for Nest to close HTTP, the database and Redis. */
const CLOSE_RESERVE_MS = 3000;

/**
 * The SIGTERM sequence: readiness 503 and every job's abort signal at once (no job starts
 * after it; running ones stop at their next step); after the drain delay new handshakes
 * are refused; sockets get `system:disconnect` and are closed in batches, without waiting
 * for any job; then the jobs are awaited (bounded by the deadline) and Nest closes HTTP,
 * the database and Redis. The whole sequence must fit in SHUTDOWN_DEADLINE_MS, past which
 * the process exits 1 (installShutdown).
 */
@Injectable()
export class ShutdownService {
  private readonly logger = new Logger(ShutdownService.name);
  private running: Promise<void> | undefined;

  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly realtime: RealtimeServer,
    private readonly scheduler: JobScheduler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  shutdown(app: INestApplication, signal: string): Promise<void> {
    this.running ??= this.run(app, signal);
    return this.running;
  }

  private async run(app: INestApplication, signal: string): Promise<void> {
    const started = Date.now();
    this.logger.log(`${signal}: shutting down`);
    this.lifecycle.beginShutdown();
    const jobsStopped = this.scheduler.stop();
    await sleep(this.config.shutdown.drainDelayMs);
    this.realtime.stopAccepting();

    const batch = this.config.shutdown.disconnectBatchSize;
    let closed = 0;
    for (const nsp of this.realtime.namespaces()) {
      const sockets = [...nsp.sockets.values()];
      for (let i = 0; i < sockets.length; i += batch) {
        for (const socket of sockets.slice(i, i + batch)) {
          emitSystemEvent(socket, 'system:disconnect', { reason: 'server_shutdown', reconnectInMs: RECONNECT_IN_MS });
          socket.disconnect(true);
          closed++;
        }
        await sleep(BATCH_PAUSE_MS);
      }
    }
    const waitForJobs = Math.max(0, started + this.config.shutdown.deadlineMs - CLOSE_RESERVE_MS - Date.now());
    const ended = await Promise.race([jobsStopped.then(() => true), sleep(waitForJobs).then(() => false)]);
    if (!ended) this.logger.warn(`jobs still running after ${Date.now() - started} ms; closing anyway`);
    await app.close();
    this.logger.log(`shutdown complete in ${Date.now() - started} ms (${closed} sockets closed)`);
  }
}
