import { Controller, Get, Inject, Req } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config';
import { Public } from '../auth/auth.decorators';
import { DomainError } from '../errors';
import { ContractRegistry } from './contract-registry';

/** The socket contract as AsyncAPI 3.0 (the HTTP one is OpenAPI at /api/docs/json). */
@Controller('api')
export class ContractController {
  constructor(
    private readonly registry: ContractRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('asyncapi.json')
  @Public()
  @ApiExcludeEndpoint()
  asyncApi(@Req() req: FastifyRequest) {
    // Published with the OpenAPI document, under the same switch.
    if (!this.config.apiDocsEnabled) throw DomainError.notFound('API documentation is disabled (API_DOCS_ENABLED)');
    return this.registry.asyncApi(req.headers.host ?? 'localhost:3000');
  }
}
