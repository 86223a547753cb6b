/**
 * The bench driver: a feature module built on the kernel exactly like the real ones, so
 * that every bench publish goes through RealtimePublisher → event log → one emit, and every
 * connection through the JWT middleware, the socket policy and ReplayService.
 *
 *   - `/ws/bench`: the handshake `auth` carries `{token, rooms, since?}`; the gateway joins
 *     the rooms (replaying after `since`) and then sends `bench:ready` to that socket.
 *   - `POST /api/bench/publish {room, payload}` (service role): the P5 route.
 *   - `BenchPublisher.event(room, payload)`: what the IPC-commanded publish loop calls.
 *
 * To drive a scenario through a real module instead, swap the PublishTarget in
 * bench/servers/herald.ts (IPC loop) or the route in bench/scenarios/routes.ts (HTTP).
 */
import { Body, Controller, Injectable, Module, Post } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import { Roles } from '../../src/core/auth';
import { ids, parseInput } from '../../src/core/errors';
import { MetricsService } from '../../src/core/observability';
import {
  EventLogService,
  HeraldGateway,
  isValidRoomName,
  RealtimePublisher,
  RealtimeServer,
  ReplayService,
  SocketPolicy,
  reportSocketError,
  toSocketError,
} from '../../src/core/realtime';
import { BENCH_NS, type BenchPayload } from './payload';

interface BenchEvents {
  'bench:event': BenchPayload;
  'bench:ready': { rooms: string[] };
}

@Injectable()
export class BenchPublisher extends RealtimePublisher<BenchEvents> {
  constructor(realtime: RealtimeServer, log: EventLogService, metrics: MetricsService) {
    super(BENCH_NS, realtime, log, metrics);
  }

  /** A persisted, replayable event to one room. */
  event(room: string, payload: BenchPayload) {
    return this.publish('bench:event', payload, [room]);
  }

  /** Transient: tells one socket that its rooms are joined. */
  ready(socketId: string, rooms: string[]): void {
    this.emit('bench:ready', { rooms }, [socketId]);
  }
}

const roomName = z.string().refine(isValidRoomName, 'bad room name');
const handshakeDto = z.object({ rooms: z.array(roomName).min(1).max(16), since: ids.offset.optional() });
const payloadDto = z.object({
  room: roomName,
  seq: z.number().int().nonnegative(),
  t: z.string().regex(/^\d{1,20}$/),
  pad: z.string().max(8192),
});
const publishDto = z.object({ room: roomName, payload: payloadDto });

@HeraldGateway(BENCH_NS)
export class BenchGateway implements OnGatewayInit, OnGatewayConnection {
  constructor(
    private readonly policy: SocketPolicy,
    private readonly replay: ReplayService,
    private readonly publisher: BenchPublisher,
  ) {}

  afterInit(nsp: Namespace) {
    this.policy.attach(nsp, { maxEventBytes: 1024 });
  }

  async handleConnection(socket: Socket) {
    try {
      const { rooms, since } = parseInput(handshakeDto, socket.handshake.auth, 'handshake');
      await this.replay.join(socket, rooms, { since });
      this.publisher.ready(socket.id, rooms);
    } catch (err) {
      reportSocketError(socket, undefined, toSocketError(err));
      socket.disconnect(true);
    }
  }
}

@Controller('api/bench')
export class BenchController {
  constructor(private readonly publisher: BenchPublisher) {}

  @Roles('service')
  @Post('publish')
  async publish(@Body() body: unknown) {
    const { room, payload } = parseInput(publishDto, body);
    const sent = await this.publisher.event(room, payload);
    return { offset: sent?.offset ?? null };
  }
}

@Module({ controllers: [BenchController], providers: [BenchPublisher, BenchGateway], exports: [BenchPublisher] })
export class BenchDriverModule {}
