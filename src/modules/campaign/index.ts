export { CampaignModule } from './campaign.module';
export { CampaignMembershipService } from './campaign-membership.service';
export { CampaignPublisher } from './campaign.publisher';
export * from './campaign.events';
