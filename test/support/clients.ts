/** Real socket.io-client connections and small waiting helpers. */
import { io, type Socket } from 'socket.io-client';

export interface ConnectOptions {
  token?: string;
  /** Where to put the token (default: auth). */
  tokenIn?: 'auth' | 'query' | 'header';
  transports?: Array<'websocket' | 'polling'>;
  extraHeaders?: Record<string, string>;
  auth?: Record<string, unknown>;
  reconnection?: boolean;
}

export function client(url: string, namespace: string, options: ConnectOptions = {}): Socket {
  const where = options.tokenIn ?? 'auth';
  return io(`${url}${namespace}`, {
    transports: options.transports ?? ['websocket'],
    forceNew: true,
    reconnection: options.reconnection ?? false,
    timeout: 5000,
    auth: { ...(where === 'auth' && options.token ? { token: options.token } : {}), ...options.auth },
    query: where === 'query' && options.token ? { token: options.token } : {},
    extraHeaders: {
      ...(where === 'header' && options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...options.extraHeaders,
    },
  });
}

/** Connects and resolves once connected; rejects with the connect_error (its `data` holds {code, message}). */
export function connect(url: string, namespace: string, options: ConnectOptions = {}): Promise<Socket> {
  const socket = client(url, namespace, options);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      socket.close();
      reject(err);
    });
  });
}

export async function connectError(url: string, namespace: string, options: ConnectOptions = {}): Promise<{ message: string; data?: { code: string; message: string } }> {
  try {
    const socket = await connect(url, namespace, options);
    socket.close();
  } catch (err) {
    return err as { message: string; data?: { code: string; message: string } };
  }
  throw new Error('expected the connection to be refused');
}

export function waitFor<T = unknown>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const onEvent = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, onEvent);
  });
}

/** Collects every payload of `event` into an array (for order and exactly-once checks). */
export function collect<T = unknown>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

export function emitAck<T = unknown>(socket: Socket, event: string, payload?: unknown, timeoutMs = 5000): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a truthy value or the time is up. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw last instanceof Error ? last : new Error('condition not met in time');
    await sleep(everyMs);
  }
}

export async function http<T = unknown>(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined || options.rawBody !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.rawBody ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as T };
}
