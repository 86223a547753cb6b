export { PresenceModule } from './presence.module';
export { PresenceService } from './presence.service';
export { PRESENCE_SWEEP_JOB } from './presence-sweep.job';
export type { PresenceSnapshot, SocketPresence, SystemDisconnectPayload } from './presence.events';
