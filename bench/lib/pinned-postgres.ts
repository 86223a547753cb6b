/**
 * A PostgreSQL of its own for the single-process cost tools (`bench:statements`,
 * `bench:route`), pinned as the bench pins it: this process (the app's side) on the server
 * core, PostgreSQL on the load core. Sets HERALD_TEST_PG_URL for the test database helpers.
 */
import { startPostgres, type PostgresHandle } from '../../test/support/services';
import { LOAD_CORE, SERVER_CORE } from '../scenarios/context';
import { canPin } from './ipc';
import { findPids, pinProcessTree } from './proc';

export interface PinnedPostgres {
  pg: PostgresHandle;
  /** The postmaster, whose process tree's CPU the tools read; undefined if it was not found. */
  postgresPid: number | undefined;
}

export async function startPinnedPostgres(log: (line: string) => void): Promise<PinnedPostgres> {
  log('starting PostgreSQL …');
  const pg = await startPostgres();
  try {
    process.env.HERALD_TEST_PG_URL = pg.url;
    const postgresPid = findPids([`-p ${pg.port} `, '-D '])[0];
    if (canPin()) {
      if (!pinProcessTree(process.pid, SERVER_CORE)) log('! could not pin this process');
      if (postgresPid && !pinProcessTree(postgresPid, LOAD_CORE)) log('! could not pin PostgreSQL');
    } else log('! taskset is not available: nothing is pinned');
    return { pg, postgresPid };
  } catch (err) {
    await pg.stop();
    throw err;
  }
}
