export * from './job-scheduler.service';
export * from './scheduling.module';
