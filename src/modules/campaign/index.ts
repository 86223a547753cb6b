export { CampaignModule } from './campaign.module';
