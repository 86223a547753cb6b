import { Injectable } from '@nestjs/common';
import { NAMESPACES, type ChannelAccess } from '../../core/realtime';

/**
 * Presence owns no channel of its own. Its events are transient (never logged, so
 * `GET /api/history` has nothing to page) and reach users through `user:<id>`, the room
 * every `/ws/app` socket joins on connect, whose read rule belongs to Notifications. Kept
 * as a part of the template, registered like every module's, so a channel presence adds
 * later gets its rule here rather than in the gateway.
 */
@Injectable()
export class PresenceChannels implements ChannelAccess {
  readonly namespace = NAMESPACES.app;

  matches(): boolean {
    return false;
  }

  canRead(): boolean {
    return false;
  }
}
