import { decode, sign } from 'jsonwebtoken';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../support/app';
import { connect, connectError, http } from '../support/clients';
import { FIXTURE_NS, FixtureModule } from '../support/fixture.module';
import { TEST_JWT_SECRET } from '../support/tokens';

const run = promisify(execFile);
const now = () => Math.floor(Date.now() / 1000);
const raw = (claims: object) => sign({ roles: [], ...claims }, TEST_JWT_SECRET, { algorithm: 'HS256', subject: 'alice' });

describe('token lifetime rules', () => {
  const MAX_TTL = 3600;
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule], env: { JWT_MAX_TTL_SECONDS: String(MAX_TTL) } });
  });
  afterAll(() => app?.close());

  const refusedEverywhere = async (bad: string) => {
    const res = await http<{ error: string; message: string }>(app.url, 'GET', '/api/history?channel=test:a', { token: bad });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthorized');
    const err = await connectError(app.url, FIXTURE_NS, { token: bad });
    expect(err.data).toEqual({ code: 'socket_error:unauthorized', message: res.body.message });
    return res.body.message;
  };

  it('refuses a token without exp on HTTP and sockets', async () => {
    expect(await refusedEverywhere(raw({}))).toContain('exp');
  });

  it('refuses a token living longer than JWT_MAX_TTL_SECONDS, by exp − iat or, without iat, exp − now', async () => {
    expect(await refusedEverywhere(raw({ iat: now(), exp: now() + MAX_TTL + 60 }))).toContain('lifetime');
    expect(await refusedEverywhere(sign({ exp: now() + MAX_TTL + 60 }, TEST_JWT_SECRET, { subject: 'alice', noTimestamp: true }))).toContain('lifetime');
    // backdating iat does not stretch the limit either: exp − iat is what counts
    expect(await refusedEverywhere(raw({ iat: now() - MAX_TTL, exp: now() + 60 }))).toContain('lifetime');
  });

  it('accepts a token at the limit', async () => {
    const ok = raw({ iat: now(), exp: now() + MAX_TTL });
    expect((await http(app.url, 'GET', '/api/history?channel=test:a', { token: ok })).status).toBe(200);
    const socket = await connect(app.url, FIXTURE_NS, { token: ok });
    expect(socket.connected).toBe(true);
    socket.close();
  });
});

describe('npm run token', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-token-'));
  const cli = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, ['-r', path.resolve(__dirname, '../support/swc-register.js'), path.resolve(__dirname, '../../src/cli/token.ts'), ...args], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: dataDir, ...env },
    });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('always sets exp and caps --ttl at JWT_MAX_TTL_SECONDS', async () => {
    const plain = await cli(['--sub', 'alice']);
    const claims = decode(plain.stdout.trim()) as { exp: number; iat: number; sub: string };
    expect(claims.sub).toBe('alice');
    expect(claims.exp - claims.iat).toBe(3600);

    const capped = await cli(['--sub', 'alice', '--ttl', '30d'], { JWT_MAX_TTL_SECONDS: '7200' });
    const long = decode(capped.stdout.trim()) as { exp: number; iat: number };
    expect(long.exp - long.iat).toBe(7200);
    expect(capped.stderr).toContain('capped');
  }, 30_000);
});
