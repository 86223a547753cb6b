import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { redact } from './redact';
import { requestIdFor, runWithRequestId } from './request-context';

/** Probes and scrapes every few seconds would drown the access log. */
const QUIET_PATHS = ['/health/', '/metrics'];

type LoggedRequest = IncomingMessage & { user?: { userId?: string } };

/**
 * The first middleware of every HTTP request: gives it its id (X-Request-Id, see
 * requestIdFor), runs the rest of it inside that id's async context (so a publisher or a
 * repository far from the controller can read it), and writes one access-log line when the
 * response is done.
 *
 * The entry is built only then, and only when its level is enabled: a publish route answers
 * thousands of requests a second, and the per-request child logger and second async context
 * of pino-http with nestjs-pino, which this replaces, cost ~7 % of such a request's CPU.
 */
export function httpRequestContext(logger: Logger) {
  return function requestContext(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const requestId = requestIdFor(req, res);
    const url = req.url ?? '';
    if (!QUIET_PATHS.some((p) => url.startsWith(p))) {
      const started = performance.now();
      res.once('close', () => logAccess(logger, req, res, requestId, performance.now() - started));
    }
    runWithRequestId(requestId, next);
  };
}

/**
 * `GET /api/… 200 12ms` with the request id, the caller and the request's method, URL (tokens
 * redacted) and peer address — never its headers. 5xx at error; a response the client did not
 * wait for (the connection closed first) at warn.
 */
function logAccess(logger: Logger, req: IncomingMessage, res: ServerResponse, requestId: string, elapsedMs: number): void {
  const finished = res.writableFinished;
  const level = !finished ? 'warn' : res.statusCode >= 500 ? 'error' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const url = redact(req.url ?? '');
  const responseTime = Math.round(elapsedMs);
  const entry = {
    requestId,
    userId: (req as LoggedRequest).user?.userId,
    req: { method: req.method, url, remoteAddress: req.socket?.remoteAddress },
    res: { statusCode: res.statusCode },
    responseTime,
  };
  const outcome = finished ? `${res.statusCode} ${responseTime}ms` : `closed by the client after ${responseTime}ms`;
  logger[level](entry, `${req.method} ${url} ${outcome}`);
}
