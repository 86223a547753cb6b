export { KillmailModule } from './killmail.module';
