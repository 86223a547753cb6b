import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago.
 *
 * The kernel picks it (listen on port 0), then we close the listener and hand the number
 * on. Someone else may grab it before the caller binds it, so callers that start a server
 * on it should be ready to retry with a fresh port on "address in use" (services.ts does).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`freePort: unexpected listener address ${String(address)}`));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}
