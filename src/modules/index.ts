import type { Type } from '@nestjs/common';
import { CampaignModule } from './campaign';
import { IntelligenceModule } from './intelligence';
import { KillmailModule } from './killmail/killmail.module';
import { MessagingModule } from './messaging';
import { NotificationsModule } from './notifications';
import { PresenceModule } from './presence';

/** Feature modules, each owning a namespace's gateway, publisher, job, service and routes. */
export const FEATURE_MODULES: Type[] = [
  NotificationsModule,
  MessagingModule,
  PresenceModule,
  IntelligenceModule,
  CampaignModule,
  KillmailModule,
];
