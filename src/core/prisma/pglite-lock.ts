import fs from 'node:fs';
import path from 'node:path';

/**
 * PGlite takes no lock on its data directory and two processes opening the same one
 * corrupt it (pglite#1106), so we hold a pid file and refuse a second opener.
 */
export class DataDirLock {
  private constructor(private readonly file: string) {}

  static acquire(dataDir: string): DataDirLock {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'herald.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
        return new DataDirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number(fs.readFileSync(file, 'utf8').trim());
        if (holder && holder !== process.pid && isAlive(holder)) {
          throw new Error(
            `DATA_DIR ${path.resolve(dataDir)} is in use by process ${holder}; ` +
              'the embedded database cannot be opened by two processes. Stop it, or set DATA_DIR or DATABASE_URL.',
          );
        }
        fs.rmSync(file, { force: true }); // stale lock from a crashed run
      }
    }
    throw new Error(`Could not lock DATA_DIR ${path.resolve(dataDir)}`);
  }

  release(): void {
    try {
      if (fs.readFileSync(this.file, 'utf8').trim() === String(process.pid)) fs.rmSync(this.file);
    } catch {
      // already gone
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
