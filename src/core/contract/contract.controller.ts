import { Controller, Get, Req } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/auth.decorators';
import { ContractRegistry } from './contract-registry';

/** The socket contract as AsyncAPI 3.0 (the HTTP one is OpenAPI at /api/docs/json). */
@Controller('api')
export class ContractController {
  constructor(private readonly registry: ContractRegistry) {}

  @Get('asyncapi.json')
  @Public()
  @ApiExcludeEndpoint()
  asyncApi(@Req() req: Request) {
    return this.registry.asyncApi(req.headers.host ?? 'localhost:3000');
  }
}
