import { Module, OnModuleInit } from '@nestjs/common';
import { ChannelRegistry } from '../../core/realtime';
import { isKillmailChannel } from './killmail-channels';
import { KillmailPollerCursorRepository } from './killmail-poller-cursor.repository';
import { KillmailFeedServer } from './killmail-feed.server';
import { KillmailUpstreamPoller } from './killmail-upstream-poller.job';
import { KillmailController } from './killmail.controller';
import { KILLMAIL_NAMESPACE } from './killmail.events';
import { KillmailGateway } from './killmail.gateway';
import { KillmailMetrics } from './killmail.metrics';
import { KillmailPublisher } from './killmail.publisher';
import { KillmailRepository } from './killmail.repository';
import { KillmailService } from './killmail.service';

/** Killmail feed (docs/modules/killmail.md): raw /updates feed, /ws/killmail, ingest routes, upstream poller. */
@Module({
  controllers: [KillmailController],
  providers: [
    KillmailFeedServer,
    KillmailGateway,
    KillmailMetrics,
    KillmailPollerCursorRepository,
    KillmailPublisher,
    KillmailRepository,
    KillmailService,
    KillmailUpstreamPoller,
  ],
  exports: [KillmailPublisher, KillmailService],
})
export class KillmailModule implements OnModuleInit {
  constructor(
    private readonly channels: ChannelRegistry,
    private readonly poller: KillmailUpstreamPoller,
  ) {}

  onModuleInit() {
    // History over HTTP follows the socket rule: any authenticated user may read any channel.
    this.channels.register({ namespace: KILLMAIL_NAMESPACE, matches: isKillmailChannel, canRead: () => true });
    this.poller.register();
  }
}
