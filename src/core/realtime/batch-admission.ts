import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { AuthService, bearer, hasRole, Roles, type Role } from '../auth';
import type { MetricsService } from '../observability/metrics.service';
import { AdmissionGate } from '../net/admission-gate';

/** The key under which a batch publish route's Fastify route config names the roles the gate admits. */
const BATCH_ADMISSION = 'heraldBatchAdmission';

/**
 * A `POST …/batch` route that requires one of `roles` (as `@Roles` does, which it applies):
 * its requests go through the instance's batch admission gate (BATCH_PUBLISH_CONCURRENCY at
 * once, the rest waiting in arrival order with their bodies unread).
 */
export const BatchPublishRoute = (...roles: [Role, ...Role[]]) => applyDecorators(Roles(...roles), RouteConfig({ [BATCH_ADMISSION]: roles }));

/**
 * Installs the gate in front of every route marked `@BatchPublishRoute()`: a `preParsing`
 * hook, so a request waits after its headers and before its body is read. Only a caller the
 * route would accept waits for a slot: anyone else passes straight on to the route's guard,
 * which refuses them, so a client without the role cannot hold a slot by sending its body
 * slowly. The queue's length is `herald_batch_requests_waiting`, the slots taken
 * `herald_batch_requests_in_progress`.
 */
export function installBatchAdmission(fastify: FastifyInstance, auth: AuthService, metrics: MetricsService, slots: number): void {
  const gate = new AdmissionGate(slots);
  metrics.reportBatchAdmission(gate);
  fastify.addHook('preParsing', (request, reply, payload, done) => {
    const roles = (request.routeOptions.config as unknown as Record<string, Role[] | undefined> | undefined)?.[BATCH_ADMISSION];
    if (!roles || !mayPublish(auth, request.headers.authorization, roles)) return done(null, payload);
    gate.admit(reply.raw, () => done(null, payload));
  });
}

function mayPublish(auth: AuthService, authorization: string | undefined, roles: Role[]): boolean {
  try {
    return hasRole(auth.verify(bearer(authorization)), ...roles);
  } catch {
    // Refused by the guard, in the API's error shape.
    return false;
  }
}
