import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type Principal } from '../../core/auth';
import { ids, parseInput } from '../../core/errors';
import { CampaignActor } from './campaign-request';
import { CampaignService, type Actor } from './campaign.service';
import { addMemberDto, createCampaignDto, entityId, invalidateDto, worldTimeDto } from './dto/campaign.dto';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('api/campaigns')
export class CampaignController {
  constructor(private readonly campaigns: CampaignService) {}

  @Post()
  create(@CampaignActor() actor: Actor, @Body() body: unknown) {
    return this.campaigns.create(actor, parseInput(createCampaignDto, body, 'body'));
  }

  @Get(':id')
  get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.campaigns.get(user, parseInput(entityId, id, 'id'));
  }

  @Post(':id/members')
  addMember(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    const { userId, role } = parseInput(addMemberDto, body, 'body');
    return this.campaigns.addMember(actor, parseInput(entityId, id, 'id'), userId, role);
  }

  @Delete(':id/members/:userId')
  removeMember(@CampaignActor() actor: Actor, @Param('id') id: string, @Param('userId') userId: string) {
    return this.campaigns.removeMember(actor, parseInput(entityId, id, 'id'), parseInput(ids.userId, userId, 'userId'));
  }

  @Post(':id/world-time')
  @HttpCode(200)
  changeWorldTime(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.campaigns.changeWorldTime(actor, parseInput(entityId, id, 'id'), parseInput(worldTimeDto, body, 'body'));
  }

  @Post(':id/invalidate')
  @HttpCode(200)
  invalidate(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.campaigns.invalidate(actor, parseInput(entityId, id, 'id'), parseInput(invalidateDto, body, 'body').keys);
  }
}
