export * from './contract-registry';
export * from './contract.module';
export * from './namespace-contract';
export * from './zod-schema';
export * from './openapi';
