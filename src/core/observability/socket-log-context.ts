import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { RealtimeServer } from '../realtime/realtime-server';
import { namespacesOf } from '../realtime/socketio-internals';
import { runWithLogFields } from './request-context';

/**
 * Runs every socket's connection handling and each of its inbound events inside a log
 * context holding its socket id, namespace and user, so anything logged while handling it (a gateway, a service, a repository) carries
 * those fields without passing them. Installed once on every namespace, present and future.
 */
@Injectable()
export class SocketLogContext implements OnApplicationBootstrap {
  constructor(private readonly realtime: RealtimeServer) {}

  onApplicationBootstrap(): void {
    const io = this.realtime.server;
    if (!io) return;
    const fieldsOf = (socket: Socket, nsp: Namespace) => {
      const userId = (socket.data as { user?: { userId?: string } }).user?.userId;
      return { socketId: socket.id, namespace: nsp.name, ...(userId ? { userId } : {}) };
    };
    const install = (nsp: Namespace) => {
      // Last of the namespace middlewares (the user is known by then): the connection
      // handlers that follow run in this context too.
      nsp.use((socket, next) => runWithLogFields(fieldsOf(socket, nsp), () => next()));
      nsp.on('connection', (socket: Socket) => {
        socket.use((_packet, next) => runWithLogFields(fieldsOf(socket, nsp), () => next()));
      });
    };
    for (const nsp of namespacesOf(io)) install(nsp);
    io.on('new_namespace', install);
  }
}
