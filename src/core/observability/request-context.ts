import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Fields that identify the work in progress: an HTTP request, or a socket's inbound event. */
export interface LogFields {
  requestId?: string;
  socketId?: string;
  userId?: string;
  namespace?: string;
}

const REQUEST_ID_HEADER = 'X-Request-Id';
/** A caller's id is echoed into responses, logs and event metadata: short and printable only. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:@/-]{1,128}$/;
const REQUEST_ID = Symbol('herald:request-id');

const storage = new AsyncLocalStorage<LogFields>();

type TaggedRequest = IncomingMessage & { [REQUEST_ID]?: string };

/**
 * The request's id: the caller's `X-Request-Id` when it is acceptable, a fresh UUID
 * otherwise; set once on the response as `X-Request-Id`. Idempotent: asked again during the
 * same request, it gives the same id.
 */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const tagged = req as TaggedRequest;
  if (tagged[REQUEST_ID]) return tagged[REQUEST_ID];
  const header = req.headers['x-request-id'];
  const offered = Array.isArray(header) ? header[0] : header;
  const id = offered && VALID_REQUEST_ID.test(offered) ? offered : randomUUID();
  tagged[REQUEST_ID] = id;
  if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** Runs `fn` (the rest of an HTTP request) with this request id as its context (see httpRequestContext). */
export function runWithRequestId(requestId: string, fn: () => void): void {
  storage.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs `fn` with these fields added to every log line it causes (see loggerOptions' mixin). */
export function runWithLogFields<T>(fields: LogFields, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

/** The fields of the current context, for every log line (loggerOptions' mixin); a copy, as pino merges into it. */
export function currentLogFields(): LogFields {
  const store = storage.getStore();
  return store ? { ...store } : {};
}
