import { Injectable } from '@nestjs/common';
import type { Principal } from '../../core/auth';
import { NAMESPACES, type ChannelAccess } from '../../core/realtime';
import { isIntelligenceChannel } from './intelligence.events';
import { IntelligenceService } from './intelligence.service';

/**
 * The channels of `/ws/intelligence` for GET /api/history: whether a user may read one is
 * the service's answer, the one the gateway's `subscribe` asks.
 */
@Injectable()
export class IntelligenceChannels implements ChannelAccess {
  readonly namespace = NAMESPACES.intelligence;

  constructor(private readonly intelligence: IntelligenceService) {}

  matches(channel: string): boolean {
    return isIntelligenceChannel(channel);
  }

  canRead(user: Principal, channel: string): boolean {
    return this.intelligence.canRead(user, channel);
  }
}
