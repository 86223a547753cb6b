export { PresenceModule } from './presence.module';
