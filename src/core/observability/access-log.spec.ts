import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { httpRequestContext } from './access-log';
import { createRootLogger } from './logging';
import { currentRequestId } from './request-context';

/** A real node:http server whose handler runs behind the middleware, logging into `lines`. */
async function serve(level: 'log' | 'warn', handle: (res: import('node:http').ServerResponse, url: string) => void) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const middleware = httpRequestContext(createRootLogger({ logLevel: level, logFormat: 'json' }, sink));
  const server: Server = createServer((req, res) => middleware(req, res, () => handle(res, req.url ?? '')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { lines, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; requestId: string | undefined }> {
  return new Promise((resolve, reject) => {
    request({ port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, requestId: res.headers['x-request-id'] as string | undefined }));
    })
      .on('error', reject)
      .end();
  });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('httpRequestContext (access log and request id)', () => {
  it('logs one line per request with the id, method, redacted URL, status and time', async () => {
    const s = await serve('log', (res) => res.end('ok'));
    try {
      const { requestId } = await get(s.port, '/api/x?token=abc.def.ghi', { 'X-Request-Id': 'req-1' });
      await settle();
      expect(requestId).toBe('req-1');
      expect(s.lines).toHaveLength(1);
      expect(s.lines[0]).toMatchObject({ level: 'info', requestId: 'req-1', req: { method: 'GET' }, res: { statusCode: 200 } });
      expect(s.lines[0].msg).toMatch(/^GET \/api\/x\?token=\[redacted\] 200 \d+ms$/);
      expect(JSON.stringify(s.lines[0])).not.toContain('abc.def.ghi');
    } finally {
      await s.close();
    }
  });

  it('runs the handler inside the request id context', async () => {
    let seen: string | undefined;
    const s = await serve('log', (res) => {
      seen = currentRequestId();
      res.end();
    });
    try {
      const { requestId } = await get(s.port, '/api/y');
      expect(seen).toBe(requestId);
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await s.close();
    }
  });

  it('logs 5xx at error, and nothing for probes and scrapes', async () => {
    const s = await serve('log', (res) => {
      res.statusCode = 503;
      res.end();
    });
    try {
      await get(s.port, '/health/ready');
      await get(s.port, '/metrics');
      await get(s.port, '/api/z');
      await settle();
      expect(s.lines.map((l) => [l.level, (l.req as { url: string }).url])).toEqual([['error', '/api/z']]);
    } finally {
      await s.close();
    }
  });

  it('logs a response the client stopped waiting for at warn', async () => {
    const s = await serve('log', () => undefined); // never answers
    try {
      await new Promise<void>((resolve) => {
        const req = request({ port: s.port, path: '/api/slow' });
        req.on('error', () => resolve());
        req.end();
        setTimeout(() => req.destroy(), 50);
      });
      await settle();
      expect(s.lines).toHaveLength(1);
      expect(s.lines[0]).toMatchObject({ level: 'warn', msg: expect.stringMatching(/^GET \/api\/slow closed by the client after \d+ms$/) });
    } finally {
      await s.close();
    }
  });

  it('writes nothing for successful requests when info is off', async () => {
    const s = await serve('warn', (res) => res.end());
    try {
      await get(s.port, '/api/quiet');
      await settle();
      expect(s.lines).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
