import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../core/auth';
import { parseInput } from '../../core/errors';
import { currentRequestId } from '../../core/observability';
import type { Actor } from './campaign.service';
import { correlationIdInput } from './campaign.dto';

/**
 * The caller of a campaign route as an Actor: the verified user plus the request's
 * `X-Correlation-Id` (or else the request id, X-Request-Id), which ends up in the events' metadata.
 */
export const CampaignActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest & { user: Principal }>();
  const header = req.headers['x-correlation-id'];
  const correlationId = header === undefined ? (currentRequestId() ?? randomUUID()) : parseInput(correlationIdInput, header, 'X-Correlation-Id');
  return { principal: req.user, correlationId, source: 'http' };
});
