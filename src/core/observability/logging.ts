import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
import type { Options as HttpOptions } from 'pino-http';
import type { AppConfig } from '../../config';
import { redact, redactValue } from './redact';
import { currentSocketLogFields, requestIdFor } from './request-context';

const LEVELS: Record<AppConfig['logLevel'], Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/** Probes and scrapes every few seconds would drown the access log. */
const QUIET_PATHS = ['/health/', '/metrics'];

/**
 * Credentials out of everything a log call passes: strings (tokens inside messages), errors
 * (message and stack), and the string or error values of a merging object (`{err}`,
 * `{stack}`). Request and response objects are never serialised whole (see the serializers),
 * so their headers cannot leak.
 */
function scrub(arg: unknown): unknown {
  if (typeof arg === 'string' || arg instanceof Error) return redactValue(arg);
  if (arg && typeof arg === 'object' && Object.getPrototypeOf(arg) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(arg)) out[k] = typeof v === 'string' || v instanceof Error ? redactValue(v) : v;
    return out;
  }
  return arg;
}

export function loggerOptions(config: Pick<AppConfig, 'logLevel'>): LoggerOptions {
  return {
    level: LEVELS[config.logLevel],
    base: { pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // socketId / namespace / userId while a socket event is handled (SocketLogContext).
    mixin: () => currentSocketLogFields(),
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map(scrub) as Parameters<typeof method>);
      },
    },
  };
}

/** JSON lines in production; one readable line per entry in development, without extra dependencies. */
export function createRootLogger(config: Pick<AppConfig, 'logLevel' | 'logFormat'>, destination?: DestinationStream): Logger {
  const out = destination ?? (config.logFormat === 'json' ? pino.destination({ fd: 1, sync: true }) : plainStream(process.stdout));
  return pino(loggerOptions(config), out);
}

type LoggedRequest = { user?: { userId?: string } };

/** nestjs-pino settings: the root logger, the access log and the request id. */
export function loggingParams(logger: Logger): Params {
  const http: HttpOptions = {
    logger,
    genReqId: requestIdFor,
    customAttributeKeys: { reqId: 'requestId' },
    // Logs made while handling a request carry only its id, not the whole request.
    quietReqLogger: true,
    autoLogging: { ignore: (req) => QUIET_PATHS.some((p) => (req.url ?? '').startsWith(p)) },
    // 'silent' skips building the entry at all when LOG_LEVEL leaves it out (a publish route answers thousands a second).
    customLogLevel: (_req, res, err) => {
      const level = err || res.statusCode >= 500 ? 'error' : 'info';
      return logger.isLevelEnabled(level) ? level : 'silent';
    },
    customSuccessMessage: (req, res, responseTime) => `${req.method} ${redact(req.url ?? '')} ${res.statusCode} ${Math.round(responseTime)}ms`,
    customErrorMessage: (req, res, err) => `${req.method} ${redact(req.url ?? '')} ${res.statusCode} ${err.message}`,
    customSuccessObject: (req, _res, value: Record<string, unknown>) => ({ ...value, userId: (req as LoggedRequest).user?.userId }),
    customErrorObject: (req, _res, _err, value: Record<string, unknown>) => ({ ...value, userId: (req as LoggedRequest).user?.userId }),
    serializers: {
      // pino-http hands these the standard serialised request: pick fields, never the headers.
      req: (req: { method?: string; url?: string; remoteAddress?: string }) => ({ method: req.method, url: redact(req.url ?? ''), remoteAddress: req.remoteAddress }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
  return { pinoHttp: http, forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }] };
}

const LABELS: Record<string, string> = { trace: 'VERBOSE', debug: 'DEBUG', info: 'LOG', warn: 'WARN', error: 'ERROR', fatal: 'FATAL' };
const SHOWN_ELSEWHERE = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'context', 'req', 'res', 'responseTime']);

/** Development output: `12:00:01 LOG [Context] message {extra fields}`. */
function plainStream(target: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          const extra = Object.fromEntries(Object.entries(entry).filter(([k, v]) => !SHOWN_ELSEWHERE.has(k) && v !== undefined));
          const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
          const context = typeof entry.context === 'string' ? ` [${entry.context}]` : '';
          const tail = Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : '';
          target.write(`${time} ${LABELS[String(entry.level)] ?? String(entry.level)}${context} ${typeof entry.msg === 'string' ? entry.msg : JSON.stringify(entry.msg ?? '')}${tail}\n`);
        } catch {
          target.write(`${line}\n`);
        }
      }
      done();
    },
  });
}
