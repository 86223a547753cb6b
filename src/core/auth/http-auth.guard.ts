import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../errors';
import { PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import { AuthService, bearer } from './auth.service';
import type { Principal, Role } from './principal';

/** Global guard: every route needs a Bearer token unless marked @Public(); @Roles() narrows it. */
@Injectable()
export class HttpAuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal; raw: { user?: Principal } }>();
    const user = this.auth.verify(bearer(req.headers.authorization));
    req.user = user;
    // The access log (httpRequestContext) sees only the Node request, when the response is done.
    req.raw.user = user;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles?.length && !roles.some((r) => user.roles.includes(r))) {
      throw DomainError.forbidden(`requires role ${roles.join(' or ')}`);
    }
    return true;
  }
}
