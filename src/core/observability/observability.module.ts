import { Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../config';
import { createRootLogger, PinoNestLogger, ROOT_LOGGER } from './logging';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { SocketLogContext } from './socket-log-context';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    // pino for every Nest logger call (PinoNestLogger) and the HTTP access log (httpRequestContext, in bootstrap).
    { provide: ROOT_LOGGER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createRootLogger(config) },
    { provide: PinoNestLogger, inject: [ROOT_LOGGER], useFactory: (root: Logger) => new PinoNestLogger(root) },
    MetricsService,
    SocketLogContext,
  ],
  exports: [MetricsService, ROOT_LOGGER, PinoNestLogger],
})
export class ObservabilityModule {}
