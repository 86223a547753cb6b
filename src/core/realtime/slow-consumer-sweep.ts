import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import { MetricsService } from '../observability/metrics.service';
import { RealtimeServer } from './realtime-server';
import { socketUser } from './socket-auth.service';
import { dropConnection, queuedBytes } from './socketio-internals';

const SWEEP_INTERVAL_MS = 1000;

/**
 * Cuts off sockets whose unsent data passed SOCKET_MAX_BUFFERED_BYTES: their peer stopped
 * reading, and everything broadcast to them would otherwise pile up in memory. One timer for
 * every namespace, started with the first one.
 */
@Injectable()
export class SlowConsumerSweep implements OnModuleDestroy {
  private readonly logger = new Logger(SlowConsumerSweep.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly realtime: RealtimeServer,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  private sweep(): void {
    const limit = this.config.socket.maxBufferedBytes;
    for (const nsp of this.realtime.namespaces()) {
      for (const socket of nsp.sockets.values()) {
        if (queuedBytes(socket) > limit) {
          this.metrics.droppedFrames.inc({ transport: 'socket.io' });
          this.logger.warn(`disconnecting slow consumer ${socket.id} (user ${socketUser(socket)?.userId})`);
          dropConnection(socket);
        }
      }
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
