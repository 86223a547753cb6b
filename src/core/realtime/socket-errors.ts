import { ArgumentsHost, Catch, Logger, type WsExceptionFilter } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { DomainError, socketErrorCode } from '../errors';
import { isDatabaseUnavailable } from '../prisma/database-errors';
import { emitSystemEvent } from './system-events';

export interface SocketErrorBody {
  code: string;
  message: string;
  /** With `socket_error:rate_limited` where the server knows when a retry will succeed. */
  retryInMs?: number;
}

export interface AckFailure {
  success: false;
  error: string;
  code: string;
  retryInMs?: number;
}

/** Maps anything a socket handler throws to the contract's error shape; unknown errors are logged, not leaked. */
export function toSocketError(err: unknown, logger?: Logger): SocketErrorBody {
  if (err instanceof DomainError) {
    const retryInMs = (err.details as { retryInMs?: unknown } | undefined)?.retryInMs;
    return {
      code: socketErrorCode(err.code),
      message: err.message,
      ...(typeof retryInMs === 'number' ? { retryInMs } : {}),
    };
  }
  if (isDatabaseUnavailable(err)) return { code: 'socket_error:unavailable', message: 'temporarily unavailable, retry shortly' };
  logger?.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return { code: 'socket_error:unavailable', message: 'internal error' };
}

/**
 * Reports an error to the client: through the acknowledgement when the request had one
 * (`{success:false, error, code}`), otherwise as an `error` event `{code, message}`.
 */
export function reportSocketError(socket: Socket, ack: unknown, error: SocketErrorBody): void {
  if (typeof ack === 'function') {
    (ack as (body: AckFailure) => void)(failureAck(error.code, error.message, error.retryInMs));
  } else {
    emitSystemEvent(socket, 'error', error);
  }
}

/**
 * The one way a handler builds a failed acknowledgement `{success:false, error, code,
 * retryInMs?}`: from a DomainError (or anything thrown — unknown errors become
 * `socket_error:unavailable` and are logged, not leaked), or from a code and message.
 */
export function failureAck(err: unknown, logger?: Logger): AckFailure;
export function failureAck(code: string, message: string, retryInMs?: number): AckFailure;
export function failureAck(errOrCode: unknown, messageOrLogger?: string | Logger, retryInMs?: number): AckFailure {
  if (typeof errOrCode === 'string' && typeof messageOrLogger === 'string') {
    return { success: false, error: messageOrLogger, code: errOrCode, ...(retryInMs === undefined ? {} : { retryInMs }) };
  }
  const body = toSocketError(errOrCode, messageOrLogger instanceof Logger ? messageOrLogger : undefined);
  return { success: false, error: body.message, code: body.code, ...(body.retryInMs === undefined ? {} : { retryInMs: body.retryInMs }) };
}

/** Exception filter for every gateway (applied by @HeraldGateway). */
@Catch()
export class SocketErrorFilter implements WsExceptionFilter {
  private readonly logger = new Logger('SocketError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const args = host.getArgs<unknown[]>();
    const socket = args[0] as Socket;
    const ack = args.slice(1).find((a) => typeof a === 'function');
    reportSocketError(socket, ack, toSocketError(exception, this.logger));
  }
}
