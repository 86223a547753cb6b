import type { Type } from '@nestjs/common';
import { CampaignModule } from './campaign';

/** Feature modules, each owning a namespace's gateway, publisher, job, service and routes. */
export const FEATURE_MODULES: Type[] = [CampaignModule];
