import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators';
import { PrismaService } from '../prisma/prisma.service';
import { RedisService } from '../redis/redis.service';
import { LifecycleService } from './lifecycle.service';

const DB_PING_TIMEOUT_MS = 2000;

/** Kubernetes probes: liveness is "the event loop answers"; readiness is "send me traffic". */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly lifecycle: LifecycleService,
  ) {}

  @Public()
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Public()
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => {
        const check = this.indicator.check('lifecycle');
        return this.lifecycle.shuttingDown ? check.down({ reason: 'shutting down' }) : check.up();
      },
      async () => {
        const check = this.indicator.check('database');
        try {
          await withTimeout(this.prisma.ping(), DB_PING_TIMEOUT_MS);
          return check.up({ engine: this.prisma.engine });
        } catch (err) {
          return check.down({ engine: this.prisma.engine, error: (err as Error).message });
        }
      },
      () => {
        const check = this.indicator.check('realtime');
        if (!this.redis.enabled) return check.up({ adapter: 'memory' });
        return this.redis.isHealthy() ? check.up({ adapter: 'redis' }) : check.down({ adapter: 'redis', reason: 'redis not connected' });
      },
    ]);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
