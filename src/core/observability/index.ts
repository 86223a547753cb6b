export * from './access-log';
export * from './logging';
export * from './metrics.service';
export * from './observability.module';
export * from './redact';
export * from './request-context';
