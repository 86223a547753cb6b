import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isDatabaseUnavailable } from '../prisma/database-errors';
import { DomainError, HTTP_STATUS } from './domain-error';

export interface HttpErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
}

/** Maps every error leaving a controller to one JSON shape (and never leaks internals). */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const res: unknown = host.switchToHttp().getResponse();
    if (exception instanceof HttpException && typeof exception.getResponse() === 'object' && exception.getStatus() === 503) {
      // terminus reports which check failed in its own body; keep it for operators
      httpAdapter.reply(res, exception.getResponse(), 503);
      return;
    }
    const body = toHttpError(exception);
    if (body.error === 'unavailable') {
      // An outage, not a bug: one line per request, no stack.
      this.logger.warn(`${body.message}: ${exception instanceof Error ? exception.message : String(exception)}`);
    } else if (body.statusCode >= 500 && !(exception instanceof HttpException)) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (httpAdapter.isHeadersSent(res)) return;
    const retryInMs = (body.details as { retryInMs?: unknown } | undefined)?.retryInMs;
    // A 429 that knows when a retry will succeed says so in the standard header too.
    if (body.statusCode === 429 && typeof retryInMs === 'number') httpAdapter.setHeader(res, 'Retry-After', String(Math.ceil(retryInMs / 1000)));
    // A route's own Content-Type (@Header: /metrics' text format) is set before its handler
    // runs; an error answer is JSON whatever the route would have sent.
    httpAdapter.setHeader(res, 'Content-Type', 'application/json; charset=utf-8');
    httpAdapter.reply(res, body, body.statusCode);
  }
}

export function toHttpError(exception: unknown): HttpErrorBody {
  if (exception instanceof DomainError) {
    return { statusCode: HTTP_STATUS[exception.code], error: exception.code, message: exception.message, details: exception.details };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : messageOf((response as { message?: unknown }).message) ?? exception.message;
    return { statusCode: status, error: codeForStatus(status), message };
  }
  const failure = exception as { status?: unknown; statusCode?: unknown } | undefined;
  const status = failure?.status ?? failure?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Body failures carry a status: Fastify's (FST_ERR_CTP_BODY_TOO_LARGE, a Content-Length
    // that does not match) as statusCode, parseJsonBody's as status.
    const message = status === 413 ? 'request body too large' : ((exception as Error).message ?? 'bad request');
    return { statusCode: status, error: codeForStatus(status), message };
  }
  if (isDatabaseUnavailable(exception)) {
    return { statusCode: 503, error: 'unavailable', message: 'database unavailable, retry shortly' };
  }
  return { statusCode: 500, error: 'internal', message: 'internal error' };
}

function codeForStatus(status: number): string {
  const found = Object.entries(HTTP_STATUS).find(([, s]) => s === status);
  return found ? found[0] : status >= 500 ? 'internal' : 'bad_request';
}

/** Nest's built-in exceptions carry a string or, from validation pipes, a list of strings. */
function messageOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(String).join('; ');
  return undefined;
}
