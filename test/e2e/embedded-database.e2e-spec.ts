/**
 * The embedded database opener, in a real child process (PGlite's WebAssembly loader does not
 * run inside jest's module sandbox).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

/** Runs `body` (an async function body with `open` = openEmbeddedDatabase) and returns what it prints. */
async function inChild(body: string): Promise<string> {
  const script = `
    const { openEmbeddedDatabase: open } = require(${JSON.stringify(path.join(ROOT, 'src/core/prisma/pglite-open.ts'))});
    (async () => { ${body} })().catch((err) => { console.log('ERROR ' + err.message); });`;
  const { stdout } = await run(process.execPath, ['-r', path.join(ROOT, 'test/support/swc-register.js'), '-e', script], {
    cwd: os.tmpdir(),
    timeout: 180_000,
  });
  return stdout.trim();
}

describe('the embedded database', () => {
  let parent: string;
  beforeEach(() => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-pglite-'));
  });
  afterEach(() => fs.rmSync(parent, { recursive: true, force: true }));

  it('is created on first use, keeps its data on reopen, and runs with the small embedded buffers', async () => {
    const dir = path.join(parent, 'pglite');
    const first = await inChild(`
      const db = open(${JSON.stringify(dir)});
      await db.exec('CREATE TABLE kept (n int); INSERT INTO kept VALUES (7);');
      await db.close();
      console.log('created');`);
    expect(first).toBe('created');
    expect(fs.existsSync(path.join(dir, 'PG_VERSION'))).toBe(true);

    const again = await inChild(`
      const db = open(${JSON.stringify(dir)});
      const kept = (await db.query('SELECT n FROM kept')).rows;
      const buffers = (await db.query('SHOW shared_buffers')).rows[0].shared_buffers;
      const migrations = (await db.query('SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name')).rows;
      await db.close();
      console.log(JSON.stringify({ kept, buffers, migrations: migrations.map((m) => m.migration_name) }));`);
    // The cluster came with every migration applied (by the short-lived creating process).
    const expected = fs.readdirSync(path.join(ROOT, 'prisma/migrations')).filter((d) => fs.existsSync(path.join(ROOT, 'prisma/migrations', d, 'migration.sql'))).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(JSON.parse(again)).toEqual({ kept: [{ n: 7 }], buffers: '16MB', migrations: expected });
  }, 200_000);

  it('names the directory when the database cannot be created there', async () => {
    const blocker = path.join(parent, 'file');
    fs.writeFileSync(blocker, '');
    const out = await inChild(`open(${JSON.stringify(path.join(blocker, 'pglite'))});`);
    expect(out).toMatch(/^ERROR Could not create the embedded database in .*file\/pglite/);
  });

  it('removes a cluster whose creation failed, so the next start creates it again', async () => {
    const dir = path.join(parent, 'pglite');
    const broken = path.join(parent, 'migrations');
    fs.mkdirSync(path.join(broken, '0001_broken'), { recursive: true });
    fs.writeFileSync(path.join(broken, '0001_broken', 'migration.sql'), 'CREATE TABLE broken (;');
    const failed = await inChild(`open(${JSON.stringify(dir)}, ${JSON.stringify(broken)});`);
    expect(failed).toMatch(/^ERROR Could not create the embedded database in .*pglite: .*syntax error/);
    expect(fs.existsSync(dir)).toBe(false);

    const retried = await inChild(`
      const db = open(${JSON.stringify(dir)});
      const rows = (await db.query('SELECT count(*)::int AS n FROM "_prisma_migrations"')).rows;
      await db.close();
      console.log(rows[0].n);`);
    expect(Number(retried)).toBeGreaterThan(0);
  }, 200_000);
});

/**
 * The Prisma CLI over the embedded database (prisma.config.ts). `npm ci` runs `prisma -v` in
 * @prisma/client's postinstall; a PGlite the CLI opened and never closed once left its
 * directory so that the next process to open it never exited, and a second `npm ci` hung.
 */
describe('the Prisma CLI on the embedded database', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-cli-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  /** Runs the CLI to its exit (whatever its code); a run that does not exit in time fails. */
  async function prisma(...args: string[]): Promise<string> {
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' };
    const done = await run(path.join(ROOT, 'node_modules/.bin/prisma'), args, { cwd: ROOT, env, timeout: 90_000 }).catch(
      (err: { killed?: boolean; signal?: string; stdout?: string }) => {
        if (err.killed || err.signal) throw new Error(`prisma ${args.join(' ')} did not exit within 90 s`);
        return { stdout: err.stdout ?? '' };
      },
    );
    return done.stdout;
  }

  it('answers `prisma -v` without opening the database, every time', async () => {
    for (let i = 0; i < 2; i++) expect(await prisma('-v')).toMatch(/pglite-prisma-adapter/);
    expect(fs.existsSync(path.join(dataDir, 'migrate-dev'))).toBe(false);
  }, 200_000);

  it('closes the database at exit, so the next command on the same directory exits too', async () => {
    expect(await prisma('migrate', 'deploy')).toMatch(/successfully applied/);
    expect(await prisma('migrate', 'status')).toMatch(/up to date/);
  }, 200_000);
});
