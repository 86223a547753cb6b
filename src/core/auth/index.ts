export * from './auth.decorators';
export * from './auth.module';
export * from './auth.service';
export * from './principal';
