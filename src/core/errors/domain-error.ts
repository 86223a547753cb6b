/**
 * Errors a service throws to say what went wrong in domain terms. Each transport maps
 * the code once: HTTP to a status (HttpErrorFilter), sockets to `socket_error:<code>`.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'token_expired'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'too_many_connections'
  | 'quota_exceeded'
  | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static badRequest(message: string, details?: unknown) {
    return new DomainError('bad_request', message, details);
  }
  static notFound(message: string) {
    return new DomainError('not_found', message);
  }
  static forbidden(message = 'Forbidden') {
    return new DomainError('forbidden', message);
  }
  static conflict(message: string) {
    return new DomainError('conflict', message);
  }
  /** A per-user or per-parent limit on stored work; `details` names the limit so clients can say why. */
  static quotaExceeded(message: string, details: { quota: string; limit: number }) {
    return new DomainError('quota_exceeded', message, details);
  }
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  token_expired: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  too_many_connections: 429,
  quota_exceeded: 429,
  unavailable: 503,
};

/** Socket error codes (docs/security.md, Error codes; not_found and conflict have none of their own). */
export function socketErrorCode(code: ErrorCode): string {
  // a quota has no socket code of its own: to a socket it is a limit like any other
  if (code === 'quota_exceeded') return 'socket_error:rate_limited';
  return code === 'not_found' || code === 'conflict' ? 'socket_error:bad_request' : `socket_error:${code}`;
}
