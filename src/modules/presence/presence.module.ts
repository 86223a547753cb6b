import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import { RedisService } from '../../core/redis';
import { PresenceController } from './presence.controller';
import { PresenceGateway } from './presence.gateway';
import { PresenceMemoryStore } from './presence-memory.store';
import { PresencePublisher } from './presence.publisher';
import { PresenceRedisStore } from './presence-redis.store';
import { PresenceService } from './presence.service';
import { PRESENCE_STORE, type PresenceStore } from './presence.store';
import { PresenceSweepJob } from './presence-sweep.job';
import { PRESENCE_TIMINGS, presenceTimings, type PresenceTimings } from './presence.timing';

/** Presence on `/ws/app`: who is online, shared across instances through Redis when configured. */
@Module({
  controllers: [PresenceController],
  providers: [
    {
      provide: PRESENCE_TIMINGS,
      useFactory: (config: AppConfig) => presenceTimings(config.presenceTtlSeconds),
      inject: [APP_CONFIG],
    },
    {
      provide: PRESENCE_STORE,
      useFactory: (redis: RedisService, timings: PresenceTimings): PresenceStore =>
        redis.client
          ? new PresenceRedisStore(redis.client, (...parts) => redis.key(...parts), timings)
          : new PresenceMemoryStore(),
      inject: [RedisService, PRESENCE_TIMINGS],
    },
    PresencePublisher,
    PresenceService,
    PresenceGateway,
    PresenceSweepJob,
  ],
})
/** Presence owns no channel: its events are never logged and reach users through `user:<id>`, which notifications owns. */
export class PresenceModule {}
