import { Global, Module } from '@nestjs/common';
import { ContractController } from './contract.controller';
import { ContractRegistry } from './contract-registry';

@Global()
@Module({ controllers: [ContractController], providers: [ContractRegistry], exports: [ContractRegistry] })
export class ContractModule {}
