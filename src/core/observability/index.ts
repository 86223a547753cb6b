export * from './herald-logger';
export * from './metrics.service';
export * from './observability.module';
export * from './redact';
