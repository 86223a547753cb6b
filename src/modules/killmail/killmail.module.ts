import { Module, OnModuleInit } from '@nestjs/common';
import { ChannelRegistry } from '../../core/realtime';
import { KillmailFeedServer } from './killmail-feed.server';
import { KillmailPollerCursorRepository } from './killmail-poller-cursor.repository';
import { KillmailUpstreamPollerJob } from './killmail-upstream-poller.job';
import { KillmailChannels } from './killmail.channels';
import { KillmailController } from './killmail.controller';
import { KillmailGateway } from './killmail.gateway';
import { KillmailMetrics } from './killmail.metrics';
import { KillmailPublisher } from './killmail.publisher';
import { KillmailRepository } from './killmail.repository';
import { KillmailService } from './killmail.service';

/** Killmail feed (docs/modules/killmail.md): raw /updates feed, /ws/killmail, ingest routes, upstream poller. */
@Module({
  controllers: [KillmailController],
  providers: [
    KillmailChannels,
    KillmailFeedServer,
    KillmailGateway,
    KillmailMetrics,
    KillmailPollerCursorRepository,
    KillmailPublisher,
    KillmailRepository,
    KillmailService,
    KillmailUpstreamPollerJob,
  ],
})
export class KillmailModule implements OnModuleInit {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly channels: KillmailChannels,
  ) {}

  onModuleInit(): void {
    // GET /api/history reads the killmail channels with the rule `subscribe` applies.
    this.registry.register(this.channels);
  }
}
