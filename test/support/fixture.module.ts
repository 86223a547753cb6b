/**
 * A minimal feature module used only by the platform tests: one namespace `/ws/test`
 * built from the kernel exactly as real modules are, so the kernel is tested on its own.
 */
import { Body, Controller, Get, Module, OnModuleInit, Injectable, Post } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import { Roles } from '../../src/core/auth';
import { ids, parseInput } from '../../src/core/errors';
import { MetricsService } from '../../src/core/observability';
import { RedisService } from '../../src/core/redis';
import {
  ChannelRegistry,
  EventLogService,
  HeraldGateway,
  isValidRoomName,
  RealtimePublisher,
  RealtimeServer,
  ReplayService,
  SocketPolicy,
  socketUser,
  userRoom,
} from '../../src/core/realtime';
import { JobScheduler } from '../../src/core/scheduling';

export const FIXTURE_NS = '/ws/test';
export const FIXTURE_MAX_EVENT_BYTES = 1024;

interface FixtureEvents {
  'fixture:event': { n: number; room: string };
  'fixture:transient': { n: number };
}

@Injectable()
export class FixturePublisher extends RealtimePublisher<FixtureEvents> {
  constructor(realtime: RealtimeServer, log: EventLogService, metrics: MetricsService) {
    super(FIXTURE_NS, realtime, log, metrics);
  }

  event(n: number, rooms: string[], idempotencyKey?: string) {
    return this.publish('fixture:event', { n, room: rooms[0] }, rooms, { idempotencyKey });
  }

  transient(n: number, rooms: string[]) {
    this.emit('fixture:transient', { n }, rooms);
  }
}

const subscribeDto = z.object({ rooms: z.array(z.string().refine(isValidRoomName, 'bad room')).min(1).max(200), since: ids.offset.optional() });

@HeraldGateway(FIXTURE_NS)
export class FixtureGateway implements OnGatewayInit, OnGatewayConnection {
  constructor(
    private readonly policy: SocketPolicy,
    private readonly replay: ReplayService,
  ) {}

  afterInit(nsp: Namespace) {
    this.policy.attach(nsp, { maxEventBytes: FIXTURE_MAX_EVENT_BYTES });
  }

  async handleConnection(socket: Socket) {
    await this.policy.join(socket, [userRoom(socketUser(socket).userId)]);
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const { rooms, since } = parseInput(subscribeDto, body);
    const result = await this.replay.join(socket, rooms, { since });
    return { success: true, rooms, ...result };
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const { rooms } = parseInput(subscribeDto, body);
    for (const room of rooms) await socket.leave(room);
    return { success: true, rooms };
  }

  @SubscribeMessage('echo')
  echo(@MessageBody() body: unknown) {
    return { success: true, body };
  }

  @SubscribeMessage('boom')
  boom(): never {
    throw new Error('handler exploded');
  }
}

const publishDto = z.object({
  n: z.number().int().min(0),
  rooms: z.array(z.string().refine(isValidRoomName, 'bad room')).min(1).max(20),
  idempotencyKey: z.string().min(1).max(200).optional(),
});

@Controller('api/fixture')
export class FixtureController {
  constructor(private readonly publisher: FixturePublisher) {}

  @Roles('admin')
  @Get('admin-only')
  adminOnly() {
    return { ok: true };
  }

  /** Publishes one logged fixture event, so tests driving separate processes can publish on a chosen instance. */
  @Roles('admin')
  @Post('publish')
  async publish(@Body() body: unknown) {
    const { n, rooms, idempotencyKey } = parseInput(publishDto, body);
    const published = await this.publisher.event(n, rooms, idempotencyKey);
    return { offset: published?.offset ?? null, duplicate: published === undefined };
  }
}

/** Counts runs of the fixture job per tick in Redis so tests can see "once per tick" across instances. */
@Module({
  controllers: [FixtureController],
  providers: [FixturePublisher, FixtureGateway],
})
export class FixtureModule implements OnModuleInit {
  static jobIntervalMs = 0;

  constructor(
    private readonly scheduler: JobScheduler,
    private readonly redis: RedisService,
    private readonly channels: ChannelRegistry,
  ) {}

  onModuleInit() {
    this.channels.register({ namespace: FIXTURE_NS, matches: (c) => c.startsWith('test:'), canRead: (_u, c) => c !== 'test:secret' });
    if (FixtureModule.jobIntervalMs > 0 && this.redis.client) {
      const redis = this.redis.client;
      this.scheduler.register({
        name: 'fixture-tick',
        intervalMs: FixtureModule.jobIntervalMs,
        run: async ({ tick }) => {
          await redis.hincrby(this.redis.key('fixture-runs'), String(tick), 1);
        },
      });
    }
  }
}
