import { Global, Module } from '@nestjs/common';
import { AdminDisconnectController } from './admin-disconnect.controller';
import { AdminGateway } from './admin.gateway';
import { AdminStatsService } from './admin-stats.service';
import { ConsoleController } from './console.controller';
import { OperationalGauges } from './operational-gauges';
import { HealthModule } from '../health/health.module';
import { StatusRegistry } from './status-registry';
import { WebsocketStatusController } from './websocket-status.controller';

/** The operator surface: the status API, disconnecting a user, the `/ws/admin` live feed and the `/console` page. */
@Global()
@Module({
  imports: [HealthModule],
  controllers: [WebsocketStatusController, ConsoleController, AdminDisconnectController],
  providers: [StatusRegistry, AdminStatsService, AdminGateway, OperationalGauges],
  exports: [StatusRegistry],
})
export class AdminModule {}
