export * from './admin-stats.service';
export * from './admin.gateway';
export * from './admin.module';
export * from './namespace-stats';
export * from './status-registry';
