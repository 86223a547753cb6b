export { NotificationsModule } from './notifications.module';
export { NotificationsService } from './notifications.service';
export { NotificationWebhookService, escalationRule } from './notifications-webhook.service';
export { WEBHOOK_JOB } from './notifications-webhook.job';
export * from './notifications.events';
