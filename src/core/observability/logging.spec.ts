import { Writable } from 'node:stream';
import { createRootLogger, PinoNestLogger } from './logging';
import { runWithLogFields, runWithRequestId } from './request-context';

const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

function capture(level: 'log' | 'debug' | 'warn' = 'log') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createRootLogger({ logLevel: level, logFormat: 'json' }, sink);
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('root logger', () => {
  it('writes level, time and msg as JSON', () => {
    const { logger, parsed } = capture();
    logger.info({ context: 'Test' }, 'hello');
    const [line] = parsed();
    expect(line).toMatchObject({ level: 'info', msg: 'hello', context: 'Test' });
    expect(Number.isNaN(Date.parse(String(line.time)))).toBe(false);
  });

  it('respects the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('quiet');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
  });

  it('redacts tokens inside messages, errors and the string fields of a merging object', () => {
    const { logger, lines } = capture();
    logger.info(`handshake GET /socket.io/?token=${jwt}&EIO=4`);
    logger.error({ err: new Error(`bad token ${jwt}`), stack: `at Bearer ${jwt}` }, 'failed');
    logger.warn('header Authorization: Bearer %s', 'opaque-secret-value');
    const out = lines.join('\n');
    expect(out).not.toContain(jwt);
    expect(out).toContain('[redacted');
  });

  it('adds socketId, namespace and userId while a socket event is handled', () => {
    const { logger, parsed } = capture();
    runWithLogFields({ socketId: 's-1', namespace: '/ws/app', userId: 'alice' }, () => logger.info('inside'));
    logger.info('outside');
    const [inside, outside] = parsed();
    expect(inside).toMatchObject({ socketId: 's-1', namespace: '/ws/app', userId: 'alice' });
    expect(outside.socketId).toBeUndefined();
  });
});

describe('PinoNestLogger (Nest logger calls into pino)', () => {
  it('takes the last extra argument as the context', () => {
    const { logger, parsed } = capture();
    new PinoNestLogger(logger).log('listening', 'Herald');
    expect(parsed()[0]).toMatchObject({ level: 'info', msg: 'listening', context: 'Herald' });
  });

  it("turns Nest's error(message, stack, context) into an err with that stack", () => {
    const { logger, parsed } = capture();
    new PinoNestLogger(logger).error('boom', 'Error: boom\n    at somewhere (file.ts:1:1)', 'ExceptionsHandler');
    const [line] = parsed();
    expect(line).toMatchObject({ level: 'error', msg: 'boom', context: 'ExceptionsHandler' });
    expect((line.err as { stack: string }).stack).toContain('at somewhere');
  });

  it('logs an Error as err with its message, and an object as fields', () => {
    const { logger, parsed } = capture();
    const nest = new PinoNestLogger(logger);
    nest.warn(new Error('went wrong'), 'Job');
    nest.log({ jobs: 3, msg: 'ran' }, 'Scheduler');
    const [error, object] = parsed();
    expect(error).toMatchObject({ level: 'warn', msg: 'went wrong', context: 'Job', err: { message: 'went wrong' } });
    expect(object).toMatchObject({ level: 'info', msg: 'ran', jobs: 3, context: 'Scheduler' });
  });

  it('skips levels that are off, and maps verbose to trace', () => {
    const { logger, lines } = capture('debug');
    const nest = new PinoNestLogger(logger);
    nest.verbose('hidden', 'X');
    nest.debug('shown', 'X');
    expect(lines).toHaveLength(1);
  });

  it('adds the request id of the HTTP request being handled', () => {
    const { logger, parsed } = capture();
    runWithRequestId('req-9', () => new PinoNestLogger(logger).log('inside', 'Svc'));
    expect(parsed()[0]).toMatchObject({ requestId: 'req-9', context: 'Svc' });
  });
});
