import { Module, type DynamicModule, type Type } from '@nestjs/common';
import type { AppConfig } from './config';
import { ConfigModule } from './config';
import { CoreModule } from './core/core.module';
import { FEATURE_MODULES } from './modules';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, extraModules: Type[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), CoreModule, ...FEATURE_MODULES, ...extraModules],
    };
  }
}
