import { Injectable } from '@nestjs/common';
import type { Principal } from '../../core/auth';
import { NAMESPACES, type ChannelAccess } from '../../core/realtime';
import { isKillmailChannel } from './killmail-routing';
import { KillmailService } from './killmail.service';

/**
 * The channels of `/ws/killmail` (`killstream`, `system:<id>`, `ship:<id>`, …) for
 * GET /api/history, with the rule `subscribe` applies. `system:<digits>` only: the
 * intelligence namespace's `system:events` is not a killmail channel.
 */
@Injectable()
export class KillmailChannels implements ChannelAccess {
  readonly namespace = NAMESPACES.killmail;

  constructor(private readonly killmails: KillmailService) {}

  matches(channel: string): boolean {
    return isKillmailChannel(channel);
  }

  canRead(user: Principal, channel: string): boolean {
    return this.killmails.mayRead(user, channel);
  }
}
