/**
 * The operator console in a real browser against a started app: sign-in, live counts,
 * the channel tail, the test publish, presence, kick, accessibility (axe-core) and the
 * phone layout. Screenshots are written to artifacts/console/ (gitignored).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { CONSOLE_ASSET_DIR } from '../../src/core/admin/console.controller';
import { artifactPath, browserAvailability, launchBrowser, type BrowserSession } from '../support/browser';
import { connect, http, sleep, waitFor } from '../support/clients';
import { startTestApp, type TestApp } from '../support/app';
import { adminToken, serviceToken, token } from '../support/tokens';

// The browser globals the page functions below use (they run in Chromium, not in Node);
// declared here, in this module only, rather than pulling the DOM library into the whole build.
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
  documentElement: { scrollWidth: number };
};
declare const sessionStorage: { getItem(key: string): string | null };
declare const window: { innerWidth: number; axe: { run(): Promise<AxeResult> } };

const availability = browserAvailability();
if (!availability.run) process.stderr.write(`\n[console-browser] ${availability.reason}\n`);
const describeBrowser = availability.run ? describe : describe.skip;

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown }> }>;
}

describeBrowser('operator console in a browser', () => {
  let app: TestApp;
  let browser: BrowserSession;
  let page: Page;
  const problems: string[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // npm test builds the console; a single-file run may not have.
    if (!existsSync(path.join(CONSOLE_ASSET_DIR, 'console.js'))) {
      execFileSync(process.execPath, [path.resolve(__dirname, '../../console/build.mjs')]);
    }
    app = await startTestApp();
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page: ${err.message}`));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
    });
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await browser?.close();
    await app?.close();
  });

  const text = (selector: string) => page.locator(selector).innerText();

  it('signs in with an admin token kept in session storage, never in the URL, and follows the live feed', async () => {
    await page.goto(`${app.url}/console`);
    const admin = adminToken('console-operator');
    await page.fill('#admin-token', admin);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('feed-state')?.textContent === 'live');
    await page.waitForSelector('#connections-total');
    expect(page.url()).not.toContain(admin);
    expect(await page.evaluate(() => sessionStorage.getItem('herald.console.adminToken'))).toBe(admin);
    expect(await text('#database-state')).toBe('up');
    await page.screenshot({ path: artifactPath('console-desktop-1280x800.png'), fullPage: true });
  });

  it('lets a browser revalidate the console files with their ETag, while API answers carry none', async () => {
    // node:http rather than fetch: fetch marks a request with If-None-Match as no-cache, which always gets the full file.
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<IncomingMessage>((resolve, reject) => httpGet(`${app.url}${path}`, { headers }, (res) => resolve(res.resume())).on('error', reject));
    const first = await get('/console/console.js');
    const etag = first.headers.etag;
    expect(first.statusCode).toBe(200);
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect((await get('/console/console.js', { 'If-None-Match': etag! })).statusCode).toBe(304);
    expect((await get('/console/console.js', { 'If-None-Match': '"stale"' })).statusCode).toBe(200);
    const api = await get('/api/countries/nowhere', { Authorization: `Bearer ${serviceToken()}` });
    expect(api.statusCode).toBe(404);
    expect(api.headers.etag).toBeUndefined();
  });

  it('refuses a token without the admin role', async () => {
    const other = await browser.context.newPage();
    await other.goto(`${app.url}/console`);
    await other.fill('#admin-token', token('not-an-admin'));
    await other.click('#sign-in-form button[type=submit]');
    await other.waitForFunction(() => (document.getElementById('sign-in-error')?.textContent ?? '').includes('admin role'));
    expect(await other.evaluate(() => sessionStorage.getItem('herald.console.adminToken'))).toBeNull();
    await other.close();
  });

  it('counts a test client that connects', async () => {
    // The figure is at most a second old: let a connection closed by the previous test drop out of it first.
    let before = Number(await text('#connections-total'));
    for (let settled = false; !settled; ) {
      await sleep(1_100);
      const now = Number(await text('#connections-total'));
      settled = now === before;
      before = now;
    }
    sockets.push(await connect(app.url, '/ws/intelligence', { token: token('watcher') }));
    await page.waitForFunction((n) => Number(document.getElementById('connections-total')?.textContent) === n, before + 1);
    const table = await text('#connections');
    expect(table).toContain('/ws/intelligence');
  });

  it('tails a channel and shows an event published from the console with a service token', async () => {
    const country = await http(app.url, 'PUT', '/api/countries/42', {
      token: serviceToken(),
      body: { name: 'Freedonia', gdp: 1_000_000, population: 5_000_000, vitality: 80, economicTier: 'Developed' },
    });
    expect(country.status).toBe(201);
    await page.waitForSelector('#tail-namespace option[value="/ws/intelligence"]', { state: 'attached' });
    await page.selectOption('#tail-namespace', '/ws/intelligence');
    await page.fill('#tail-channel', 'country:42');
    await page.click('#tail-form button[type=submit]');
    await page.waitForFunction(() => (document.getElementById('tail-status')?.textContent ?? '').startsWith('live on'));

    await page.fill('#publish-token', serviceToken('console-test'));
    await page.fill('#publish-body', JSON.stringify({ countryId: '42', category: 'economic', title: 'Browser test event' }));
    await page.click('#publish-form button[type=submit]');
    await page.waitForFunction(() => (document.getElementById('publish-result')?.textContent ?? '').startsWith('201'));
    await page.waitForFunction(() => (document.getElementById('tail-events')?.textContent ?? '').includes('Browser test event'));
    expect(await text('#tail-events')).toContain('intelligence:update');
    // The published-per-second sparkline saw it.
    await page.waitForFunction(() => document.querySelectorAll('#overview svg.spark').length === 2);
  });

  it('looks up presence and disconnects a user, asking for a ban', async () => {
    const victim = await connect(app.url, '/ws/app', { token: token('kick-me') });
    sockets.push(victim);
    const kicked = waitFor<{ reason: string }>(victim, 'system:disconnect');
    await page.fill('#presence-user', 'kick-me');
    await page.click('#presence-form button[type=submit]');
    await page.waitForFunction(() => (document.getElementById('presence-result')?.textContent ?? '').includes('"isOnline": true'));

    await page.fill('#kick-user', 'kick-me');
    await page.fill('#kick-ban', '60');
    await page.click('#kick-form button[type=submit]');
    expect((await kicked).reason).toEqual(expect.any(String));
    await page.waitForFunction(() => (document.getElementById('kick-result')?.textContent ?? '').startsWith('disconnected kick-me: 1 socket'));
  });

  it('passes axe-core with no serious or critical violations', async () => {
    const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    // Evaluated through the DevTools protocol: the page's CSP (no inline scripts) stays on.
    await page.evaluate(source);
    const result = await page.evaluate(() => window.axe.run());
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help} (${JSON.stringify(v.nodes.map((n) => n.target))})`)).toEqual([]);
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(100); // one layout pass
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: artifactPath('console-phone-390.png'), fullPage: true });
  });

  it('logged no console errors', () => {
    expect(problems).toEqual([]);
  });
});
