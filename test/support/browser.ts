/**
 * Headless Chromium for the browser tests (console, client): playwright-core driving the distribution's
 * `chromium` (no browser download). Outside CI a machine without it skips those tests with
 * a message; in CI (CI=true) a missing browser fails them instead of hiding them.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.HERALD_TEST_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where screenshots go (gitignored): kept after the run as the test's artefacts. */
export const ARTIFACT_DIR = path.resolve(__dirname, '../../artifacts/console');

export function browserAvailability(): { run: boolean; reason?: string } {
  if (existsSync(CHROMIUM_PATH)) return { run: true };
  if (process.env.CI === 'true') return { run: true }; // launching will fail loudly, as it should in CI
  return { run: false, reason: `${CHROMIUM_PATH} not found: browser tests skipped (install the chromium package; in CI they fail instead)` };
}

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile per run, so no state leaks between runs. */
export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<BrowserSession> {
  const profile = mkdtempSync(path.join(tmpdir(), 'herald-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: ARGS, headless: true, viewport });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  return path.join(ARTIFACT_DIR, name);
}
