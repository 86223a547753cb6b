/**
 * Build-time check that the client's event maps (client/src/events.ts) are the server's
 * (src/modules/*\/*.events.ts): each payload must be assignable both ways, and both maps
 * must name the same events. Compiled by `npm run build` (no output); a server change that
 * would break a client fails the build here.
 */
import type { CampaignEventMap } from '../../src/modules/campaign/campaign.events';
import type { IntelligenceEvents as ServerIntelligence } from '../../src/modules/intelligence/intelligence.events';
import type { KillmailEvents as ServerKillmail } from '../../src/modules/killmail/killmail.events';
import type { MessagingEvents } from '../../src/modules/messaging/messaging.events';
import type { NotificationsEvents } from '../../src/modules/notifications/notifications.events';
import type { PresenceEvents } from '../../src/modules/presence/presence.events';
import type { HeraldEvents, Logged } from '../src/events';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

/** Replayable events get `offset` from the event log, after the publisher's typed emit. */
type WithOffset<M, Replayable extends keyof M> = { [E in keyof M]: E extends Replayable ? M[E] & Logged : M[E] };

type ServerApp = WithOffset<
  NotificationsEvents & Omit<MessagingEvents, never> & Omit<PresenceEvents, 'system:disconnect'>,
  'notifications:new' | 'notifications:count' | 'messages:new' | 'messages:updated' | 'messages:deleted'
>;
type ServerCampaign = WithOffset<CampaignEventMap, Exclude<keyof CampaignEventMap, 'subscription_revoked'>>;

type Check<Client, Server> =
  Same<keyof Client, keyof Server> extends true
    ? { [E in keyof Client & keyof Server]: Same<Client[E], Server[E]> }[keyof Client & keyof Server]
    : false;

export type IntelligenceMatches = Assert<
  Check<HeraldEvents['/ws/intelligence'], WithOffset<ServerIntelligence, keyof ServerIntelligence>>
>;
export type AppMatches = Assert<Check<HeraldEvents['/ws/app'], ServerApp>>;
export type CampaignMatches = Assert<Check<HeraldEvents['/ws/campaign'], ServerCampaign>>;
export type KillmailMatches = Assert<Check<HeraldEvents['/ws/killmail'], WithOffset<ServerKillmail, 'killmail'>>>;
