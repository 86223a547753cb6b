export * from './domain-error';
export * from './http-error.filter';
export * from './validation';
export * from './json-body';
