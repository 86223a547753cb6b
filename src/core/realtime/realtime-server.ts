import { Injectable } from '@nestjs/common';
import type { Namespace, Server } from 'socket.io';
import { namespacesOf } from './socketio-internals';

/**
 * Holds the one Socket.IO server so publishers, health checks and shutdown can reach
 * it without being gateways. Set by HeraldIoAdapter when Nest creates the server.
 */
@Injectable()
export class RealtimeServer {
  private io: Server | undefined;
  private accepting = true;

  attach(io: Server): void {
    this.io = io;
  }

  get server(): Server | undefined {
    return this.io;
  }

  namespace(name: string): Namespace | undefined {
    return this.io?.of(name);
  }

  /** Namespaces that have been created (by gateways), excluding the unused root. */
  namespaces(): Namespace[] {
    if (!this.io) return [];
    return namespacesOf(this.io).filter((n) => n.name !== '/');
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /** Shutdown: refuse new handshakes from now on. */
  stopAccepting(): void {
    this.accepting = false;
  }
}
