import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, type AppConfig } from '../../config';
import { createRootLogger, loggingParams } from './logging';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { SocketLogContext } from './socket-log-context';

@Global()
@Module({
  imports: [
    // pino for every Nest logger call, plus the HTTP access log with the request id.
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => loggingParams(createRootLogger(config)),
    }),
  ],
  controllers: [MetricsController],
  providers: [MetricsService, SocketLogContext],
  exports: [MetricsService],
})
export class ObservabilityModule {}
