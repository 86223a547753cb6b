export { MessagingModule } from './messaging.module';
export * from './messaging.events';
