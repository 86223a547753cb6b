import type { LoggerService } from '@nestjs/common';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
import type { AppConfig } from '../../config';
import { redactValue } from './redact';
import { currentLogFields } from './request-context';

const LEVELS: Record<AppConfig['logLevel'], Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

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
    // requestId while an HTTP request is handled; socketId / namespace / userId while a socket event is (SocketLogContext).
    mixin: () => currentLogFields(),
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

/** The root logger's injection token (ObservabilityModule provides it, configured from AppConfig). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** A stack trace as Nest's exception handlers pass it: `error(message, stack, context)`. */
const STACK_TRACE = /\n\s*at /;

/**
 * Nest's logger interface over the root pino logger: every `new Logger(Context)` in the code
 * base ends here. The last extra argument is the context (Nest appends it); an object or an
 * Error as the message becomes the entry's fields or its `err`.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const extra = rest.slice(0, -1);
    if (rest.length) fields.context = rest[rest.length - 1];
    if (message instanceof Error) {
      fields.err = message;
      this.logger[level](fields, message.message, ...extra);
    } else if (message !== null && typeof message === 'object') {
      this.logger[level]({ ...fields, ...message }, ...(extra as [string?]));
    } else if (level === 'error' && extra.length === 1 && typeof extra[0] === 'string' && STACK_TRACE.test(extra[0])) {
      const err = new Error(String(message));
      err.stack = extra[0];
      this.logger.error({ ...fields, err }, String(message));
    } else {
      this.logger[level](fields, String(message), ...extra);
    }
  }
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
