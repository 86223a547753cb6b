import type { Type } from '@nestjs/common';
import { PresenceModule } from './presence';

/** Feature modules, each owning a namespace's gateway, publisher, job, service and routes. */
export const FEATURE_MODULES: Type[] = [PresenceModule];
