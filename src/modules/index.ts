import type { Type } from '@nestjs/common';
import { KillmailModule } from './killmail/killmail.module';

/** Feature modules, each owning a namespace's gateway, publisher, job, service and routes. */
export const FEATURE_MODULES: Type[] = [KillmailModule];
