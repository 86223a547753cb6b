import { Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { LifecycleService } from '../health/lifecycle.service';
import { MetricsService } from '../observability/metrics.service';
import { RedisService } from '../redis/redis.service';
import { AdminStatsService } from './admin-stats.service';

/**
 * State gauges the alert rules need, evaluated at scrape time: whether this instance takes
 * traffic, and whether its database and Redis connections are up. The database figure is
 * the admin feed's once-a-second ping, so a scrape never waits on the database.
 */
@Injectable()
export class OperationalGauges implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly lifecycle: LifecycleService,
    private readonly redis: RedisService,
    private readonly stats: AdminStatsService,
  ) {}

  onModuleInit(): void {
    const registers = [this.metrics.registry];
    const { lifecycle, redis, stats } = this;
    new Gauge({
      name: 'herald_ready',
      help: '1 while this instance accepts traffic (not shutting down, database reachable, Redis connected when configured)',
      registers,
      collect() {
        this.set(!lifecycle.shuttingDown && stats.databaseUp !== false && (!redis.enabled || redis.isHealthy()) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'herald_database_up',
      help: "1 when this instance's last database ping (once a second) succeeded",
      registers,
      collect() {
        this.set(stats.databaseUp === false ? 0 : 1);
      },
    });
    new Gauge({
      name: 'herald_redis_up',
      help: "1 when all of this instance's Redis connections are ready; absent without REDIS_URL",
      registers,
      collect() {
        if (redis.enabled) this.set(redis.isHealthy() ? 1 : 0);
      },
    });
  }
}
