import { Global, Module } from '@nestjs/common';
import { AdminGateway } from './admin.gateway';
import { AdminStatsService } from './admin-stats.service';
import { ConsoleController } from './console.controller';
import { StatusRegistry } from './status-registry';
import { WebsocketStatusController } from './websocket-status.controller';

/** The operator surface: the status API, the `/ws/admin` live feed and the `/console` page. */
@Global()
@Module({
  controllers: [WebsocketStatusController, ConsoleController],
  providers: [StatusRegistry, AdminStatsService, AdminGateway],
  exports: [StatusRegistry],
})
export class AdminModule {}
