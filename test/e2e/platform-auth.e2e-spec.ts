import { sign } from 'jsonwebtoken';
import { generateKeyPairSync } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/app';
import { connect, connectError, emitAck, http, waitFor } from '../support/clients';
import { FIXTURE_NS, FixtureModule } from '../support/fixture.module';
import { adminToken, TEST_JWT_SECRET, token } from '../support/tokens';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authentication on sockets and HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      modules: [FixtureModule],
      env: { JWT_ISSUER: 'herald-tests', JWT_AUDIENCE: 'herald', CORS_ORIGINS: 'https://app.example.com' },
    });
  });
  afterAll(() => app?.close());

  const good = (sub = 'alice', ttl = 3600) => token(sub, { ttl, extra: { issuer: 'herald-tests', audience: 'herald' } });

  it('accepts a valid token from auth, query or Authorization header', async () => {
    for (const tokenIn of ['auth', 'query', 'header'] as const) {
      const socket = await connect(app.url, FIXTURE_NS, { token: good(), tokenIn });
      expect(socket.connected).toBe(true);
      socket.close();
    }
  });

  it.each([
    ['no token', undefined],
    ['a bad signature', token('alice', { secret: 'another-secret-another-secret', extra: { issuer: 'herald-tests', audience: 'herald' } })],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', iss: 'herald-tests', aud: 'herald', exp: 9999999999 })}.`],
    ['the wrong issuer', token('alice', { extra: { issuer: 'someone-else', audience: 'herald' } })],
    ['the wrong audience', token('alice', { extra: { issuer: 'herald-tests', audience: 'other' } })],
    ['garbage', 'not.a.jwt'],
  ])('refuses %s with socket_error:unauthorized within 1 s', async (_label, bad) => {
    const started = Date.now();
    const err = await connectError(app.url, FIXTURE_NS, { token: bad });
    expect(err.data).toEqual({ code: 'socket_error:unauthorized', message: expect.any(String) });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses an expired token with socket_error:token_expired', async () => {
    const err = await connectError(app.url, FIXTURE_NS, { token: good('alice', -10) });
    expect(err.data?.code).toBe('socket_error:token_expired');
  });

  it('disconnects a socket when its token expires, unless refreshed', async () => {
    const expiring = await connect(app.url, FIXTURE_NS, { token: good('bob', 2) });
    const refreshed = await connect(app.url, FIXTURE_NS, { token: good('bob', 2) });
    const ack = await emitAck<{ success: boolean }>(refreshed, 'auth:refresh', { token: good('bob', 3600) });
    expect(ack.success).toBe(true);
    const otherUser = await emitAck<{ success: boolean; code: string }>(refreshed, 'auth:refresh', { token: good('mallory', 3600) });
    expect(otherUser).toMatchObject({ success: false, code: 'socket_error:forbidden' });

    const notice = waitFor<{ reason: string }>(expiring, 'system:disconnect', 6000);
    const gone = waitFor(expiring, 'disconnect', 6000);
    expect((await notice).reason).toBe('token_expired');
    await gone;
    expect(refreshed.connected).toBe(true);
    refreshed.close();
  });

  it('refuses handshakes from origins outside CORS_ORIGINS, on websocket and polling', async () => {
    for (const transports of [['websocket'], ['polling']] as Array<Array<'websocket' | 'polling'>>) {
      const err = await connectError(app.url, FIXTURE_NS, {
        token: good(),
        transports,
        extraHeaders: { Origin: 'https://evil.example.net' },
      });
      expect(err).toBeDefined();
      const ok = await connect(app.url, FIXTURE_NS, { token: good(), transports, extraHeaders: { Origin: 'https://app.example.com' } });
      ok.close();
    }
  });

  it('answers 401 without a token and 403 for the wrong role over HTTP', async () => {
    expect((await http(app.url, 'GET', '/api/fixture/admin-only')).status).toBe(401);
    const wrongRole = await http(app.url, 'GET', '/api/fixture/admin-only', { token: good() });
    expect(wrongRole).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    const admin = token('root', { roles: ['admin'], extra: { issuer: 'herald-tests', audience: 'herald' } });
    expect((await http(app.url, 'GET', '/api/fixture/admin-only', { token: admin })).status).toBe(200);
    expect((await http(app.url, 'GET', '/api/fixture/admin-only', { token: adminToken() })).status).toBe(401); // no iss/aud
  });
});

describe('public-key tokens', () => {
  it('accepts RS256 and ES256 tokens for the configured key and refuses HS256 signed with the public key', async () => {
    for (const type of ['rsa', 'ec'] as const) {
      const pair =
        type === 'rsa'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const app = await startTestApp({ modules: [FixtureModule], env: { JWT_SECRET: '', JWT_PUBLIC_KEY: publicPem } });
      try {
        const good = sign({ roles: [] }, pair.privateKey, { algorithm: type === 'rsa' ? 'RS256' : 'ES256', subject: 'carol', expiresIn: 60 });
        (await connect(app.url, FIXTURE_NS, { token: good })).close();
        const forged = sign({ roles: ['admin'] }, publicPem, { algorithm: 'HS256', subject: 'carol', expiresIn: 60 });
        expect((await connectError(app.url, FIXTURE_NS, { token: forged })).data?.code).toBe('socket_error:unauthorized');
        expect((await connectError(app.url, FIXTURE_NS, { token: token('carol', { secret: TEST_JWT_SECRET }) })).data?.code).toBe(
          'socket_error:unauthorized',
        );
      } finally {
        await app.close();
      }
    }
  });
});
