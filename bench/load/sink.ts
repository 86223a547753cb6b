/**
 * Light sink clients: raw WebSocket connections (RawWebSocket: a prebuilt upgrade, a frame
 * reader) that complete the Engine.IO/Socket.IO handshake (JWT in the CONNECT packet),
 * answer pings and count event frames by their first bytes, without JSON parsing. One process holds a few thousand; the runner spreads more over
 * several processes and source addresses (127.0.0.x) to stay under the per-process fd limit.
 */
import { classifyFrame, connectFrame, EIO_WS_PATH, eventFrame, parseAck, PONG, seqOf } from '../lib/eio';
import { serve } from '../lib/ipc';
import { RawWebSocket } from '../lib/raw-ws';
import { benchToken } from '../lib/tokens';
import type { JoinEmit } from '../scenarios/routes';

export interface SinkSpec {
  rooms: string[];
  since?: string;
  /**
   * Emitted once connected, each with an ack; the socket is ready when the last is
   * acknowledged with `success: true` (a real module's subscribe), not on `bench:ready`.
   */
  emits?: JoinEmit[];
}

export interface SinkConnect {
  url: string;
  namespace: string;
  sockets: SinkSpec[];
  /** Sign one token per socket (sub = `${subPrefix}${index}`); omit for no token. */
  token?: { subPrefix: string; firstIndex: number };
  localAddress?: string;
  /** Paced starts (connect storm); otherwise at most `concurrency` handshakes in flight. */
  ratePerSec?: number;
  concurrency?: number;
  /** Track each socket's events by their `"seq":` (replay: in order, none missing). */
  ordered?: boolean;
  /** Replay: resolve once every socket has this many events (or on timeout). */
  expectFrames?: number;
  timeoutMs?: number;
}

export interface SinkConnectResult {
  connected: number;
  failed: number;
  errors: string[];
  /** Per socket: ms from its (scheduled) start until `bench:ready`. */
  handshakeMs: number[];
  elapsedMs: number;
  /** With expectFrames: sockets that got all, and the ms until the last of them did. */
  caughtUp?: number;
  catchUpMs?: number;
}

export interface SinkCounts {
  frames: number;
  ready: number;
  closed: number;
  orderErrors: number;
  /** The first order error seen, for diagnosis. */
  firstOrderError?: string;
  /** Ordered mode: events without a sequence number (e.g. `error`, `system:resync`). */
  otherEvents: number;
  firstOtherEvent?: string;
}

interface Conn {
  ws?: RawWebSocket;
  ready: boolean;
  frames: number;
  lastSeq: number;
}

const conns: Conn[] = [];
let frames = 0;
let closed = 0;
let orderErrors = 0;
let firstOrderError: string | undefined;
let otherEvents = 0;
let firstOtherEvent: string | undefined;

function connectAll(args: SinkConnect): Promise<SinkConnectResult> {
  const { hostname, port } = new URL(args.url);
  const total = args.sockets.length;
  const result: SinkConnectResult = { connected: 0, failed: 0, errors: [], handshakeMs: [], elapsedMs: 0 };
  // Tokens are signed before the clock starts: signing is the client's cost, not the server's.
  const auths = args.sockets.map((spec, i) => ({
    ...(args.token ? { token: benchToken(`${args.token.subPrefix}${args.token.firstIndex + i}`) } : {}),
    rooms: spec.rooms,
    ...(spec.since !== undefined ? { since: spec.since } : {}),
  }));
  const start = process.hrtime.bigint();
  const t0 = start;
  const intervalNs = args.ratePerSec ? 1e9 / args.ratePerSec : 0;
  const concurrency = args.concurrency ?? 200;
  let started = 0;
  let settled = 0;
  let caughtUp = 0;
  let lastCatchUp = 0n;
  const expect = args.expectFrames ?? 0;

  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      result.elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (expect) {
        result.caughtUp = caughtUp;
        result.catchUpMs = Number(lastCatchUp - t0) / 1e6;
      }
      resolve(result);
    };
    const timer = setTimeout(finish, args.timeoutMs ?? 120_000);
    const maybeDone = () => {
      if (settled < total) return;
      if (expect && caughtUp < result.connected) return;
      finish();
    };
    const fail = (reason: string) => {
      result.failed++;
      if (result.errors.length < 5) result.errors.push(reason);
      settled++;
      maybeDone();
      if (!intervalNs) launchMore();
    };

    const open = (index: number, scheduledAt: bigint) => {
      const conn: Conn = { ready: false, frames: 0, lastSeq: -1 };
      conns.push(conn);
      let settledThis = false;
      const ws = new RawWebSocket({ host: hostname, port: Number(port), path: EIO_WS_PATH, localAddress: args.localAddress });
      conn.ws = ws;
      const countEvent = (data: Buffer) => {
        if (args.ordered) {
          const seq = seqOf(data);
          if (seq < 0) {
            // Not a bench event: an `error` (e.g. the server refused the replay) or a resync.
            otherEvents++;
            firstOtherEvent ??= data.toString().slice(0, 200);
            return;
          }
          frames++;
          conn.frames++;
          if (conn.lastSeq >= 0 && seq !== conn.lastSeq + 1) {
            orderErrors++;
            firstOrderError ??= `after seq ${conn.lastSeq} (event ${conn.frames - 1} of this socket) came: ${data.toString().slice(0, 160)}`;
          }
          conn.lastSeq = seq;
        } else {
          frames++;
          conn.frames++;
        }
        if (expect && conn.frames === expect) {
          caughtUp++;
          lastCatchUp = process.hrtime.bigint();
          maybeDone();
        }
      };
      const emits = args.sockets[index].emits ?? [];
      const becomeReady = () => {
        conn.ready = true;
        settledThis = true;
        result.connected++;
        result.handshakeMs.push(Number(process.hrtime.bigint() - scheduledAt) / 1e6);
        settled++;
        maybeDone();
        if (!intervalNs) launchMore();
      };
      ws.on('message', (data: Buffer) => {
        switch (classifyFrame(data)) {
          case 'event':
            if (!conn.ready && !emits.length && data.includes('"bench:ready"')) return becomeReady();
            countEvent(data);
            return;
          case 'ack': {
            const ack = parseAck(data, args.namespace);
            if (conn.ready || !ack || ack.id !== emits.length) return;
            if ((ack.arg as { success?: unknown } | undefined)?.success === true) return becomeReady();
            settledThis = true;
            fail(`join refused: ${data.toString().slice(0, 200)}`);
            ws.terminate();
            return;
          }
          case 'ping':
            ws.send(PONG);
            return;
          case 'open':
            ws.send(connectFrame(args.namespace, auths[index]));
            return;
          case 'connect_error':
            if (!settledThis) {
              settledThis = true;
              fail(`connect_error: ${data.toString().slice(0, 200)}`);
            }
            ws.terminate();
            return;
          case 'connected':
            emits.forEach((e, k) => ws.send(eventFrame(args.namespace, k + 1, e.event, e.data)));
            return;
          case 'close':
          case 'disconnect':
          case 'other':
            return;
        }
      });
      ws.on('error', (err) => {
        if (!settledThis) {
          settledThis = true;
          fail(err.message);
        }
      });
      ws.on('close', () => {
        closed++;
        if (!settledThis) {
          settledThis = true;
          fail('closed before ready');
        }
      });
    };

    function launchMore() {
      while (started < total && started - settled < concurrency) {
        open(started, process.hrtime.bigint());
        started++;
      }
    }

    if (!intervalNs) return launchMore();
    const paced = () => {
      const now = process.hrtime.bigint();
      while (started < total) {
        const due = t0 + BigInt(Math.round(started * intervalNs));
        if (due > now) break;
        open(started, due);
        started++;
      }
      if (started < total) setTimeout(paced, 1);
    };
    paced();
  });
}

function counts(args: { reset?: boolean }): SinkCounts {
  const c = { frames, ready: conns.filter((x) => x.ready).length, closed, orderErrors, firstOrderError, otherEvents, firstOtherEvent };
  if (args.reset) {
    frames = 0;
    orderErrors = 0;
  }
  return c;
}

function closeAll(): { closed: number } {
  let n = 0;
  for (const c of conns.splice(0)) {
    c.ws?.terminate();
    n++;
  }
  frames = 0;
  closed = 0;
  orderErrors = 0;
  return { closed: n };
}

serve({ connect: connectAll, counts, close: closeAll }, { pid: process.pid });
