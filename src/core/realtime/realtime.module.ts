import { Global, Module, OnModuleInit } from '@nestjs/common';
import { JobScheduler } from '../scheduling/job-scheduler.service';
import { ChannelRegistry } from './channel-registry';
import { ChannelSubscriptions } from './channel-subscriptions';
import { ConnectionCensusLogger } from './connection-census';
import { ConnectionLimiter } from './connection-limiter.service';
import { DeliverySequencer } from './delivery-sequencer';
import { EventLogService } from './event-log.service';
import { HistoryController } from './history.controller';
import { OutboxRelay } from './outbox-relay';
import { RealtimeServer } from './realtime-server';
import { ReplayBudget } from './replay-budget.service';
import { ReplayService } from './replay.service';
import { RevocationService } from './revocation';
import { SocketPolicy } from './socket-policy';
import { BroadcastInstrumentation } from './broadcast-instrumentation';
import { InboundLimitsService } from './inbound-limits.service';
import { SlowConsumerSweep } from './slow-consumer-sweep';
import { SocketAuthService } from './socket-auth.service';
import { UnitOfWork } from './unit-of-work';
import { UserDisconnects } from './user-disconnects';

const RETENTION_INTERVAL_MS = 10 * 60_000;

/** What the realtime core offers every module (the census logger only runs, nobody calls it). */
const SHARED_PROVIDERS = [
  RealtimeServer,
  SocketPolicy,
  ConnectionLimiter,
  EventLogService,
  ReplayService,
  ReplayBudget,
  ChannelRegistry,
  DeliverySequencer,
  RevocationService,
  UserDisconnects,
  ChannelSubscriptions,
  UnitOfWork,
  OutboxRelay,
];

@Global()
@Module({
  controllers: [HistoryController],
  providers: [...SHARED_PROVIDERS, ConnectionCensusLogger, SocketAuthService, InboundLimitsService, SlowConsumerSweep, BroadcastInstrumentation],
  exports: SHARED_PROVIDERS,
})
export class RealtimeModule implements OnModuleInit {
  constructor(
    private readonly scheduler: JobScheduler,
    private readonly eventLog: EventLogService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: 'event-log-retention',
      intervalMs: RETENTION_INTERVAL_MS,
      run: async ({ signal }) => {
        await this.eventLog.prune(new Date(), signal);
      },
    });
  }
}
