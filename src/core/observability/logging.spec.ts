import { Writable } from 'node:stream';
import { createRootLogger } from './logging';
import { runWithLogFields } from './request-context';

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
