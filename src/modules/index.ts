import type { Type } from '@nestjs/common';
import { IntelligenceModule } from './intelligence/intelligence.module';

/** Feature modules, each owning a namespace's gateway, publisher, job, service and routes. */
export const FEATURE_MODULES: Type[] = [IntelligenceModule];
