/** Sockets on `/ws/app`, ready once `notifications:ready` (which follows CONNECT at once) has arrived. */
import type { Socket } from 'socket.io-client';
import { client, waitFor } from './clients';
import { token } from './tokens';

export const APP_NS = '/ws/app';

/** Connects as `user` and resolves after `notifications:ready`, listening for it before the handshake completes. */
export async function appSocket(url: string, user: string, options: { roles?: string[] } = {}): Promise<Socket> {
  const socket = client(url, APP_NS, { token: token(user, { roles: options.roles }) });
  const ready = waitFor(socket, 'notifications:ready');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    await ready;
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}
