/**
 * Just enough of the Engine.IO v4 / Socket.IO v5 wire format for the light sink clients:
 * frames are classified by their first bytes, never JSON-parsed.
 *   Engine.IO: 0 open, 1 close, 2 ping, 3 pong, 4 message
 *   Socket.IO (inside 4): 0 CONNECT, 1 DISCONNECT, 2 EVENT, 4 CONNECT_ERROR
 */
export const EIO_WS_PATH = '/socket.io/?EIO=4&transport=websocket';

export type FrameKind = 'open' | 'close' | 'ping' | 'event' | 'ack' | 'connected' | 'connect_error' | 'disconnect' | 'other';

const C = (ch: string) => ch.charCodeAt(0);

export function classifyFrame(frame: Buffer | Uint8Array): FrameKind {
  switch (frame[0]) {
    case C('0'):
      return 'open';
    case C('1'):
      return 'close';
    case C('2'):
      return 'ping';
    case C('4'):
      switch (frame[1]) {
        case C('2'):
          return 'event';
        case C('3'):
          return 'ack';
        case C('0'):
          return 'connected';
        case C('4'):
          return 'connect_error';
        case C('1'):
          return 'disconnect';
        default:
          return 'other';
      }
    default:
      return 'other';
  }
}

/** The CONNECT packet for a namespace, carrying the handshake `auth` object. */
export function connectFrame(namespace: string, auth: object): string {
  const ns = namespace === '/' ? '' : `${namespace},`;
  return `40${ns}${JSON.stringify(auth)}`;
}

/** An EVENT packet that asks for an acknowledgement with id `id`. */
export function eventFrame(namespace: string, id: number, event: string, data: unknown): string {
  const ns = namespace === '/' ? '' : `${namespace},`;
  return `42${ns}${id}${JSON.stringify([event, data])}`;
}

/** The id and first argument of an ACK packet (`43<nsp>,<id>[arg]`), or undefined. */
export function parseAck(frame: Buffer, namespace: string): { id: number; arg: unknown } | undefined {
  const prefix = `43${namespace === '/' ? '' : `${namespace},`}`;
  const text = frame.toString();
  if (!text.startsWith(prefix)) return undefined;
  let i = prefix.length;
  while (i < text.length && text[i] >= '0' && text[i] <= '9') i++;
  if (i === prefix.length) return undefined;
  try {
    const args = JSON.parse(text.slice(i)) as unknown[];
    return { id: Number(text.slice(prefix.length, i)), arg: args[0] };
  } catch {
    return undefined;
  }
}

export const PONG = '3';

const SEQ = Buffer.from('"seq":');

/** The integer after the first `"seq":` in a frame, or -1; a scan, not a parse. */
export function seqOf(frame: Buffer): number {
  const at = frame.indexOf(SEQ);
  if (at < 0) return -1;
  let i = at + SEQ.length;
  let n = 0;
  let digits = 0;
  for (; i < frame.length; i++) {
    const c = frame[i];
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits ? n : -1;
}

/** ws:// URL of the Engine.IO websocket endpoint for an http:// base URL. */
export function engineUrl(base: string): string {
  return base.replace(/^http/, 'ws').replace(/\/$/, '') + EIO_WS_PATH;
}
