/** Helpers for the Presence e2e suites: `/ws/app` sockets that record presence traffic from the first packet. */
import type { Socket } from 'socket.io-client';
import { client, sleep } from './clients';
import { token } from './tokens';

export const APP_NS = '/ws/app';

export interface SocketPresenceView {
  socketId: string;
  connectedAt: number | null;
  lastSeen: number | null;
  userAgent: string | null;
  ip: string | null;
}

export interface Snapshot {
  userId: string;
  isOnline: boolean;
  lastSeen: number | null;
  sockets: SocketPresenceView[];
}

export interface RecordingSocket {
  socket: Socket;
  /** Every `presence:update` received, in order. */
  updates: Snapshot[];
  /** Every event received (name and payload), in order, plus a final `disconnect` entry. */
  events: Array<[string, unknown]>;
  /** `presence:update`s about one user. */
  about(userId: string): Snapshot[];
  /** How many `presence:update`s have arrived so far (a position for `update`'s `since`). */
  mark(): number;
  /**
   * Resolves with the first `presence:update` about `userId` at position `since` or later
   * (already received or still to come) that satisfies `when`.
   */
  update(userId: string, when?: (s: Snapshot) => boolean, options?: { since?: number; timeoutMs?: number }): Promise<Snapshot>;
  close(): void;
}

/** Connects as `userId` with listeners installed before the handshake, so nothing is missed. */
export async function connectRecording(
  url: string,
  userId: string,
  namespace = APP_NS,
  userAgent = `jest-${userId}`,
): Promise<RecordingSocket> {
  const socket = client(url, namespace, { token: token(userId), extraHeaders: { 'User-Agent': userAgent } });
  const updates: Snapshot[] = [];
  const events: Array<[string, unknown]> = [];
  socket.onAny((event: string, payload: unknown) => {
    events.push([event, payload]);
    if (event === 'presence:update') updates.push(payload as Snapshot);
  });
  socket.on('disconnect', (reason) => events.push(['disconnect', reason]));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
  return {
    socket,
    updates,
    events,
    about: (id) => updates.filter((u) => u.userId === id),
    mark: () => updates.length,
    update: (id, when = () => true, { since = 0, timeoutMs = 5000 } = {}) =>
      new Promise<Snapshot>((resolve, reject) => {
        const matches = (u: Snapshot) => u.userId === id && when(u);
        const found = updates.slice(since).find(matches);
        if (found) return resolve(found);
        const timer = setTimeout(() => {
          socket.off('presence:update', onUpdate);
          reject(
            new Error(
              `no matching presence:update about ${id} within ${timeoutMs} ms; got ${JSON.stringify(updates.slice(since))}`,
            ),
          );
        }, timeoutMs);
        // onAny listeners run before named ones, so `updates` already holds this one
        const onUpdate = (u: Snapshot) => {
          if (!matches(u) || updates.lastIndexOf(u) < since) return;
          clearTimeout(timer);
          socket.off('presence:update', onUpdate);
          resolve(u);
        };
        socket.on('presence:update', onUpdate);
      }),
    close: () => socket.close(),
  };
}

/** Lets in-flight broadcasts land before an exactly-once or "nothing arrived" assertion. */
export const settle = (ms = 400) => sleep(ms);

/** Compact view of a snapshot for sequence assertions: [isOnline, socket ids]. */
export const shape = (s: Snapshot): [boolean, string[]] => [s.isOnline, s.sockets.map((x) => x.socketId)];
