/**
 * True when an error means "the database cannot be reached right now" rather than a
 * bad query: those map to 503 / socket_error:unavailable so clients retry.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037'].includes(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300'].includes(code)) return true;
  if (code.startsWith('08')) return true; // SQLSTATE class 08: connection exception
  if (
    /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Can't reach database|terminating connection|the database system is (starting up|shutting down)|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
      message,
    )
  ) {
    return true;
  }
  return e.cause !== undefined && e.cause !== err && isDatabaseUnavailable(e.cause);
}
