import { startTestApp, type TestApp } from '../support/app';
import { connect, emitAck, http } from '../support/clients';
import { FIXTURE_NS, FixtureModule, FixturePublisher } from '../support/fixture.module';
import { token } from '../support/tokens';

describe('smoke', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ modules: [FixtureModule] });
  });
  afterAll(() => app?.close());

  it('serves readiness and accepts a socket', async () => {
    expect((await http(app.url, 'GET', '/health/ready')).status).toBe(200);
    const socket = await connect(app.url, FIXTURE_NS, { token: token('alice') });
    const ack = await emitAck<{ success: boolean }>(socket, 'subscribe', { rooms: ['test:a'], since: '0' });
    expect(ack.success).toBe(true);
    const got = new Promise((r) => socket.once('fixture:event', r));
    await app.get(FixturePublisher).event(1, ['test:a']);
    expect(await got).toMatchObject({ n: 1, offset: expect.any(String) });
    socket.close();
  });
});
