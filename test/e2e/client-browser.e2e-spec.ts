/**
 * @herald/client's browser build in a real browser (Debian's headless Chromium, driven by
 * playwright-core): a page from another origin connects with CORS, long-polling first and
 * then the upgrade to WebSocket, receives a published event, and resumes after the server
 * restarts. The bundle is client/dist/herald-client.browser.js, made by `npm run build`.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { RealtimeServer } from '../../src/core/realtime';
import { eventually, sleep } from '../support/clients';
import { publishItem, putCountry, restartableApp, type RestartableApp } from '../support/herald-client';
import type { TestApp } from '../support/app';
import { launchBrowser, type BrowserSession } from '../support/browser';
import { token } from '../support/tokens';

const BUNDLE = path.resolve(__dirname, '../../client/dist/herald-client.browser.js');

const PAGE = `<!doctype html>
<html><body><script type="module">
import { createHeraldClient, LocalStorageOffsetStore } from './herald-client.browser.js';
const server = new URLSearchParams(location.search).get('server');
window.received = [];
window.states = [];
const herald = createHeraldClient({ url: server, getToken: () => window.heraldToken(), offsets: new LocalStorageOffsetStore() });
herald.on('state', (s) => window.states.push(s));
const sub = herald.subscribe('/ws/intelligence', 'country:b1', (event, payload) => {
  if (event === 'intelligence:update') window.received.push({ title: payload.data.title, offset: payload.offset });
});
window.lastOffset = () => sub.lastOffset;
</script></body></html>`;

/** Which transport each Engine.IO connection started on, and what it upgraded to. */
function watchTransports(app: TestApp): { first: string[]; upgrades: string[] } {
  const seen = { first: [] as string[], upgrades: [] as string[] };
  const engine = app.get(RealtimeServer).server!.engine as unknown as {
    on(
      event: 'connection',
      cb: (conn: { transport: { name: string }; on(e: 'upgrade', cb: (t: { name: string }) => void): void }) => void,
    ): void;
  };
  engine.on('connection', (conn) => {
    seen.first.push(conn.transport.name);
    conn.on('upgrade', (t) => seen.upgrades.push(t.name));
  });
  return seen;
}

describe('@herald/client in headless Chromium', () => {
  let deployment: RestartableApp;
  let site: http.Server;
  let siteUrl: string;
  let browser: BrowserSession | undefined;

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first`);
    deployment = await restartableApp();
    await putCountry(deployment.url, 'b1');
    const bundle = readFileSync(BUNDLE);
    site = http.createServer((req, res) => {
      if (req.url?.startsWith('/herald-client.browser.js')) {
        res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle);
      } else {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
      }
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    // "localhost" vs the server's 127.0.0.1, on another port: a different origin.
    siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await deployment?.dispose();
  });

  it('connects cross-origin by polling then WebSocket, receives an event, and resumes after a restart', async () => {
    let transports = watchTransports(deployment.app);
    browser = await launchBrowser();
    const { context } = browser;
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    const page: Page = await context.newPage();
    await page.exposeFunction('heraldToken', async () => {
      await gate;
      return token('browser-user');
    });
    await page.goto(`${siteUrl}/?server=${encodeURIComponent(deployment.url)}`);
    const received = () =>
      page.evaluate(() => (globalThis as unknown as { received: Array<{ title: string; offset: string }> }).received);

    await eventually(
      async () => {
        await publishItem(deployment.url, 'b1', 'hello-browser');
        await sleep(200);
        return (await received()).length > 0;
      },
      20_000,
      0,
    );
    await sleep(300);
    const before = (await received()).length;
    expect(transports.first[0]).toBe('polling');
    await eventually(() => transports.upgrades.includes('websocket'));

    gate = new Promise((resolve) => (release = resolve));
    await deployment.stop();
    await deployment.start();
    transports = watchTransports(deployment.app);
    const away = [await publishItem(deployment.url, 'b1', 'away-1'), await publishItem(deployment.url, 'b1', 'away-2')];
    release();

    await eventually(async () => (await received()).length === before + 2, 20_000, 100);
    await sleep(300);
    const all = await received();
    expect(all.slice(before)).toEqual([
      { title: 'away-1', offset: away[0] },
      { title: 'away-2', offset: away[1] },
    ]);
    expect(await page.evaluate(() => (globalThis as unknown as { lastOffset(): string }).lastOffset())).toBe(away[1]);
    // The resumed connection took the same path: polling, then the upgrade.
    expect(transports.first[0]).toBe('polling');
    await eventually(() => transports.upgrades.includes('websocket'));
    const states = await page.evaluate(() => (globalThis as unknown as { states: string[] }).states);
    expect(states).toContain('disconnected');
    expect(states[states.length - 1]).toBe('connected');
  });
});
