/**
 * The HTTP answers clients depend on that come from the platform under Nest rather than from
 * a controller: body parsing, unknown routes, route matching, CORS and the request id. They
 * were Express's and are kept on Fastify.
 */
import { request as httpRequest } from 'node:http';
import { startTestApp, type TestApp } from '../support/app';
import { http } from '../support/clients';
import { serviceToken, token } from '../support/tokens';

const ALLOWED = 'https://app.example.com';

describe('HTTP surface', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { CORS_ORIGINS: ALLOWED } });
  });
  afterAll(() => app?.close());

  const post = (body: string | undefined, contentType: string | undefined) =>
    fetch(`${app.url}/api/killmails`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${serviceToken()}`, ...(contentType ? { 'Content-Type': contentType } : {}) },
      body,
    });

  it('answers 400 bad_request, never 415, for a body that is not JSON, an empty one or none', async () => {
    for (const [body, type] of [
      ['killmail', 'text/plain'],
      ['a=1', 'application/x-www-form-urlencoded'],
      ['', 'application/json'],
      [undefined, undefined],
      ['"a string"', 'application/json'],
    ] as const) {
      const res = await post(body, type);
      expect([type, res.status, await res.json()]).toEqual([type, 400, expect.objectContaining({ statusCode: 400, error: 'bad_request' })]);
    }
  });

  it('answers malformed JSON with 400 and its parse error', async () => {
    const res = await post('{"killmail_id": 1,', 'application/json; charset=utf-8');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ statusCode: 400, error: 'bad_request', message: expect.stringContaining('JSON') });
  });

  it('answers an unknown route with 404 in the API error shape', async () => {
    expect(await http(app.url, 'GET', '/api/nothing-here')).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'not_found', message: 'Cannot GET /api/nothing-here' },
    });
  });

  it('answers a malformed URL with 400 in the API error shape, with its request id', async () => {
    // fetch would normalise the escape away; a raw request keeps it.
    const res = await new Promise<{ status: number; requestId: unknown; body: string }>((resolve, reject) => {
      const { hostname, port } = new URL(app.url);
      const req = httpRequest({ host: hostname, port, path: '/api/countries/%zz' }, (r) => {
        let body = '';
        r.on('data', (chunk: Buffer) => (body += chunk.toString()));
        r.on('end', () => resolve({ status: r.statusCode!, requestId: r.headers['x-request-id'], body }));
      });
      req.on('error', reject).end();
    });
    expect(res.status).toBe(400);
    expect(res.requestId).toEqual(expect.any(String));
    expect(JSON.parse(res.body)).toEqual({ statusCode: 400, error: 'bad_request', message: expect.any(String) });
  });

  it('matches routes without regard to case or a trailing slash', async () => {
    expect((await http(app.url, 'GET', '/health/ready/')).status).toBe(200);
    expect((await http(app.url, 'GET', '/API/killmails?limit=1', { token: token('viewer') })).status).toBe(200);
  });

  it('echoes an acceptable X-Request-Id and makes one otherwise; sends no ETag', async () => {
    const given = await fetch(`${app.url}/health/ready`, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await fetch(`${app.url}/health/ready`, { headers: { 'X-Request-Id': 'not acceptable' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.headers.get('etag')).toBeNull();
  });

  it('answers a preflight from an allowed origin with 204 and the CORS headers, and not another origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${app.url}/api/killmails`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization,content-type' },
      });
    const allowed = await preflight(ALLOWED);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-methods')).toBe('GET,HEAD,PUT,PATCH,POST,DELETE');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(allowed.headers.get('x-request-id')).toBeTruthy();
    const other = await preflight('https://evil.example.net');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(`${app.url}/health/ready`, { headers: { Origin: ALLOWED } });
    expect(simple.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(simple.headers.get('vary')).toContain('Origin');
  });
});
