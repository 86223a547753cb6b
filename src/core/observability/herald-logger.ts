import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { redact, redactValue } from './redact';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/**
 * Nest's console logger (JSON lines in production) with credentials scrubbed from
 * every message, whoever logs it.
 */
export class HeraldLogger extends ConsoleLogger {
  constructor(options: { json: boolean; level: 'error' | 'warn' | 'log' | 'debug' | 'verbose' }) {
    super({ json: options.json, logLevels: LEVELS.slice(0, LEVELS.indexOf(options.level) + 1), colors: !options.json });
  }

  override log(message: unknown, ...rest: unknown[]) {
    super.log(redactValue(message), ...rest.map(redactValue));
  }
  override error(message: unknown, ...rest: unknown[]) {
    super.error(redactValue(message), ...rest.map(redactValue));
  }
  override warn(message: unknown, ...rest: unknown[]) {
    super.warn(redactValue(message), ...rest.map(redactValue));
  }
  override debug(message: unknown, ...rest: unknown[]) {
    super.debug(redactValue(message), ...rest.map(redactValue));
  }
  override verbose(message: unknown, ...rest: unknown[]) {
    super.verbose(redactValue(message), ...rest.map(redactValue));
  }
  override fatal(message: unknown, ...rest: unknown[]) {
    super.fatal(redactValue(message), ...rest.map(redactValue));
  }
}

export { redact };
