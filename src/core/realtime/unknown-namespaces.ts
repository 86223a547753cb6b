import type { Namespace, Server } from 'socket.io';
import { forgetChildNamespace } from './socketio-internals';

/**
 * Socket.IO refuses a namespace nobody created with a bare "Invalid namespace" and no
 * error code. To give such clients the same `connect_error` as every refusal, a catch-all
 * parent namespace lets the name exist for the length of one handshake: the kernel's
 * policy (guarding every new namespace) refuses it as unserved, then the namespace is
 * dropped again. At most UNKNOWN_PER_SECOND such names are created per second; past that
 * Socket.IO's own refusal answers, so a flood of invented names cannot churn adapters.
 */
const UNKNOWN_PER_SECOND = 20;

const parents = new WeakMap<Server, Namespace>();

export function refuseUnknownNamespaces(io: Server): void {
  let window = 0;
  let created = 0;
  const parent = io.of((_name, _auth, next) => {
    const now = Math.floor(Date.now() / 1000);
    if (now !== window) {
      window = now;
      created = 0;
    }
    next(null, ++created <= UNKNOWN_PER_SECOND);
  });
  parents.set(io, parent);
}

/** Drops a namespace no gateway serves once its refused handshake has been answered. */
export function forgetUnservedNamespace(io: Server, nsp: Namespace): void {
  const parent = parents.get(io);
  if (nsp.name === '/' || !parent) return;
  setImmediate(() => {
    if (nsp.sockets.size > 0) return;
    if (forgetChildNamespace(io, parent, nsp)) void nsp.adapter.close();
  });
}
