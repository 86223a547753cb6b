/**
 * A minimal WebSocket client for the sink processes: a TCP connection, a prebuilt upgrade
 * request and a frame reader, nothing else.
 *
 * The `ws` client spends about a millisecond of CPU per handshake (an HTTP client request,
 * a random key, the SHA-1 check of the answer), so two sink processes could not offer P4's
 * storm without saturating the load core. This one writes a fixed request (a fixed key:
 * the answer is checked only for its 101 status, we are not guarding against proxies) and
 * masks with a zero key (allowed by RFC 6455, which asks only that the mask be present).
 * Frames from the server are unmasked; text and binary messages are delivered whole,
 * fragmented ones reassembled; ping frames are answered; close ends the connection.
 */
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';

const KEY = 'aGVyYWxkLWJlbmNoLWtleQ==';

export interface RawWsOptions {
  host: string;
  port: number;
  path: string;
  localAddress?: string;
}

export interface RawWsEvents {
  open: [];
  message: [data: Buffer];
  error: [err: Error];
  close: [];
}

export class RawWebSocket extends EventEmitter<RawWsEvents> {
  private readonly tcp: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private upgraded = false;
  private closed = false;
  private fragments: Buffer[] = [];

  constructor(options: RawWsOptions) {
    super();
    this.tcp = connect({ host: options.host, port: options.port, localAddress: options.localAddress });
    this.tcp.setNoDelay(true);
    this.tcp.on('connect', () => {
      this.tcp.write(
        `GET ${options.path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.tcp.on('data', (chunk: Buffer) => this.onData(chunk));
    this.tcp.on('error', (err) => this.emit('error', err));
    this.tcp.on('close', () => this.finish());
  }

  /** Sends one text message (masked with a zero key, so the payload goes as is). */
  send(text: string): void {
    if (this.closed || !this.upgraded) return;
    this.tcp.write(encodeClientFrame(Buffer.from(text)));
  }

  terminate(): void {
    this.tcp.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (!this.upgraded) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = this.buffer.subarray(0, this.buffer.indexOf('\r\n')).toString();
      if (!/^HTTP\/1\.1 101 /.test(status)) {
        this.emit('error', new Error(`upgrade refused: ${status}`));
        this.terminate();
        return;
      }
      this.upgraded = true;
      this.buffer = this.buffer.subarray(end + 4);
      this.emit('open');
    }
    this.readFrames();
  }

  private readFrames(): void {
    let at = 0;
    const buf = this.buffer;
    while (!this.closed) {
      const frame = parseServerFrame(buf, at);
      if (!frame) break;
      at = frame.next;
      this.onFrame(frame.fin, frame.opcode, frame.payload);
    }
    this.buffer = at >= buf.length ? Buffer.alloc(0) : buf.subarray(at);
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case 0x0: // continuation
      case 0x1: // text
      case 0x2: // binary
        if (!fin) {
          this.fragments.push(payload);
          return;
        }
        if (this.fragments.length) {
          const whole = Buffer.concat([...this.fragments, payload]);
          this.fragments = [];
          this.emit('message', whole);
        } else this.emit('message', payload);
        return;
      case 0x8: // close
        this.terminate();
        return;
      case 0x9: // ping → pong with the same payload
        this.tcp.write(encodeClientFrame(payload, 0xa));
        return;
      default:
        return;
    }
  }
}

export interface ParsedFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
  /** Where the next frame starts. */
  next: number;
}

/** One unmasked server frame starting at `at`, or undefined when it has not fully arrived. */
export function parseServerFrame(buf: Buffer, at: number): ParsedFrame | undefined {
  if (buf.length - at < 2) return undefined;
  const b0 = buf[at];
  const b1 = buf[at + 1];
  let length = b1 & 0x7f;
  let header = 2;
  if (length === 126) {
    if (buf.length - at < 4) return undefined;
    length = buf.readUInt16BE(at + 2);
    header = 4;
  } else if (length === 127) {
    if (buf.length - at < 10) return undefined;
    length = Number(buf.readBigUInt64BE(at + 2));
    header = 10;
  }
  if (b1 & 0x80) header += 4; // a masked server frame is a protocol error; skip its key anyway
  if (buf.length - at < header + length) return undefined;
  const start = at + header;
  return { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload: buf.subarray(start, start + length), next: start + length };
}

/** A final client frame, masked with a zero key. */
export function encodeClientFrame(payload: Buffer, opcode = 0x1): Buffer {
  const n = payload.length;
  const header = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.alloc(header + 4 + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) frame[1] = 0x80 | n;
  else if (n < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  // Mask key bytes header..header+3 stay zero: XOR with zero leaves the payload as is.
  payload.copy(frame, header + 4);
  return frame;
}
