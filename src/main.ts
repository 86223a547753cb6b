import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { installShutdown, startHerald } from './bootstrap';
import { ConfigError } from './config';

// A stray rejection or exception in a handler or job is logged, never fatal.
process.on('unhandledRejection', (reason) => {
  new Logger('Process').error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});
process.on('uncaughtException', (err) => {
  new Logger('Process').error(`uncaught exception: ${err.stack ?? err.message}`);
});

startHerald().then(
  ({ app }) => installShutdown(app),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`Herald failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(1);
  },
);
