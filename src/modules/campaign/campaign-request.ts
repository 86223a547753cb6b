import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../core/auth';
import { parseInput } from '../../core/errors';
import type { Actor } from './campaign.service';
import { correlationIdHeader } from './dto/campaign.dto';

/**
 * The caller of a campaign route as an Actor: the verified user plus the request's
 * `X-Correlation-Id` (or a fresh UUID), which ends up in the events' metadata.
 */
export const CampaignActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<Request & { user: Principal }>();
  const header = req.headers['x-correlation-id'];
  const correlationId = header === undefined ? randomUUID() : parseInput(correlationIdHeader, header, 'X-Correlation-Id');
  return { principal: req.user, correlationId, source: 'http' };
});
