export * from './user-notifier';
