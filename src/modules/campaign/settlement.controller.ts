import { Body, Controller, Delete, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { parseInput } from '../../core/errors';
import { CampaignActor } from './campaign-request';
import type { Actor } from './campaign.service';
import { createSettlementDto, createStructureDto, entityId, updateSettlementDto, updateStructureDto } from './dto/campaign.dto';
import { SettlementService } from './settlement.service';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('api')
export class SettlementController {
  constructor(private readonly settlements: SettlementService) {}

  @Post('campaigns/:id/settlements')
  createSettlement(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.createSettlement(
      actor,
      parseInput(entityId, id, 'id'),
      parseInput(createSettlementDto, body, 'body'),
    );
  }

  @Patch('settlements/:id')
  updateSettlement(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.updateSettlement(
      actor,
      parseInput(entityId, id, 'id'),
      parseInput(updateSettlementDto, body, 'body'),
    );
  }

  @Delete('settlements/:id')
  deleteSettlement(@CampaignActor() actor: Actor, @Param('id') id: string) {
    return this.settlements.deleteSettlement(actor, parseInput(entityId, id, 'id'));
  }

  @Post('settlements/:id/structures')
  createStructure(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.createStructure(actor, parseInput(entityId, id, 'id'), parseInput(createStructureDto, body, 'body'));
  }

  @Patch('structures/:id')
  updateStructure(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.updateStructure(actor, parseInput(entityId, id, 'id'), parseInput(updateStructureDto, body, 'body'));
  }

  @Delete('structures/:id')
  deleteStructure(@CampaignActor() actor: Actor, @Param('id') id: string) {
    return this.settlements.deleteStructure(actor, parseInput(entityId, id, 'id'));
  }
}
