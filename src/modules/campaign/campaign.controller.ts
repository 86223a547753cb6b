import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiContract } from '../../core/contract';
import { CurrentUser, type Principal } from '../../core/auth';
import { ids, parseInput } from '../../core/errors';
import { CampaignActor } from './campaign-actor.decorator';
import {
  addMemberInput,
  campaignDetailDto,
  campaignDto,
  createCampaignInput,
  createdCampaignDto,
  entityId,
  invalidatedDto,
  invalidateInput,
  memberDto,
  removedMemberDto,
  worldTimeInput,
} from './campaign.dto';
import { CampaignService, type Actor } from './campaign.service';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('api/campaigns')
export class CampaignController {
  constructor(private readonly campaigns: CampaignService) {}

  @Post()
  @ApiContract({
    summary: 'Creates a campaign; the caller becomes its owner',
    body: ['CreateCampaignBody', createCampaignInput],
    response: ['CreatedCampaign', createdCampaignDto],
    status: 201,
    errors: [429],
  })
  create(@CampaignActor() actor: Actor, @Body() body: unknown) {
    return this.campaigns.create(actor, parseInput(createCampaignInput, body, 'body'));
  }

  @Get(':id')
  @ApiContract({
    summary: 'The campaign with its members, settlements and structures',
    access: 'Members of the campaign (404 for anyone else), or a service.',
    params: { id: entityId },
    response: ['CampaignDetail', campaignDetailDto],
    errors: [404],
  })
  get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.campaigns.get(user, parseInput(entityId, id, 'id'));
  }

  @Post(':id/members')
  @ApiContract({
    summary: "Adds a member or changes a member's role",
    access: 'Owner or GM of the campaign; only owners make or unmake owners.',
    params: { id: entityId },
    body: ['AddMemberBody', addMemberInput],
    response: ['Member', memberDto],
    status: 201,
    errors: [404, 409],
  })
  addMember(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    const { userId, role } = parseInput(addMemberInput, body, 'body');
    return this.campaigns.addMember(actor, parseInput(entityId, id, 'id'), userId, role);
  }

  @Delete(':id/members/:userId')
  @ApiContract({
    summary: 'Removes a member; their sockets leave the campaign rooms at once (subscription_revoked)',
    access: 'Owner or GM of the campaign, or the member themselves; only owners remove owners.',
    params: { id: entityId, userId: ids.userId },
    response: ['RemovedMember', removedMemberDto],
    errors: [404, 409],
  })
  removeMember(@CampaignActor() actor: Actor, @Param('id') id: string, @Param('userId') userId: string) {
    return this.campaigns.removeMember(actor, parseInput(entityId, id, 'id'), parseInput(ids.userId, userId, 'userId'));
  }

  @Post(':id/world-time')
  @HttpCode(200)
  @ApiContract({
    summary: 'Advances or sets the world clock, or changes its rate; broadcasts world_time_changed',
    access: 'Owner or GM of the campaign.',
    params: { id: entityId },
    body: ['WorldTimeBody', worldTimeInput],
    response: ['Campaign', campaignDto],
    errors: [404, 429],
  })
  changeWorldTime(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.campaigns.changeWorldTime(actor, parseInput(entityId, id, 'id'), parseInput(worldTimeInput, body, 'body'));
  }

  @Post(':id/invalidate')
  @HttpCode(200)
  @ApiContract({
    summary: 'Marks derived state stale; broadcasts state_invalidated',
    access: 'Owner or GM of the campaign.',
    params: { id: entityId },
    body: ['InvalidateBody', invalidateInput],
    response: ['Invalidated', invalidatedDto],
    errors: [404],
  })
  invalidate(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.campaigns.invalidate(actor, parseInput(entityId, id, 'id'), parseInput(invalidateInput, body, 'body').keys);
  }
}
