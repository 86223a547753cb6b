import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { ContractModule } from './contract/contract.module';
import { HttpErrorFilter } from './errors/http-error.filter';
import { HealthModule } from './health/health.module';
import { ObservabilityModule } from './observability/observability.module';
import { PrismaModule } from './prisma/prisma.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RedisModule } from './redis/redis.module';
import { SchedulingModule } from './scheduling/scheduling.module';

/** The shared kernel every feature module builds on. */
@Module({
  imports: [
    ObservabilityModule,
    PrismaModule,
    RedisModule,
    AuthModule,
    SchedulingModule,
    RealtimeModule,
    HealthModule,
    AdminModule,
    ContractModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
})
export class CoreModule {}
