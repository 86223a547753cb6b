import { Body, Controller, Delete, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiContract } from '../../core/contract';
import { parseInput } from '../../core/errors';
import { CampaignActor } from './campaign-actor.decorator';
import type { Actor } from './campaign.service';
import { settlementView, structureView } from './campaign.events';
import { createSettlementDto, createStructureDto, deletedEntity, entityId, updateSettlementDto, updateStructureDto } from './campaign.dto';
import { SettlementService } from './settlement.service';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('api')
export class SettlementController {
  constructor(private readonly settlements: SettlementService) {}

  @Post('campaigns/:id/settlements')
  @ApiContract({
    summary: 'Creates a settlement; broadcasts settlement_updated (create)',
    access: 'Owner, GM or player of the campaign.',
    params: { id: entityId },
    body: ['CreateSettlementBody', createSettlementDto],
    response: ['Settlement', settlementView],
    status: 201,
    errors: [404, 413, 429],
  })
  createSettlement(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.createSettlement(
      actor,
      parseInput(entityId, id, 'id'),
      parseInput(createSettlementDto, body, 'body'),
    );
  }

  @Patch('settlements/:id')
  @ApiContract({
    summary: 'Updates a settlement; broadcasts settlement_updated (update)',
    access: 'Owner, GM or player of its campaign.',
    params: { id: entityId },
    body: ['UpdateSettlementBody', updateSettlementDto],
    response: ['Settlement', settlementView],
    errors: [404, 413],
  })
  updateSettlement(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.updateSettlement(
      actor,
      parseInput(entityId, id, 'id'),
      parseInput(updateSettlementDto, body, 'body'),
    );
  }

  @Delete('settlements/:id')
  @ApiContract({
    summary: 'Deletes a settlement and its structures; broadcasts settlement_updated (delete)',
    access: 'Owner or GM of its campaign.',
    params: { id: entityId },
    response: ['Deleted', deletedEntity],
    errors: [404],
  })
  deleteSettlement(@CampaignActor() actor: Actor, @Param('id') id: string) {
    return this.settlements.deleteSettlement(actor, parseInput(entityId, id, 'id'));
  }

  @Post('settlements/:id/structures')
  @ApiContract({
    summary: 'Creates a structure in a settlement; broadcasts structure_updated (create)',
    access: 'Owner, GM or player of its campaign.',
    params: { id: entityId },
    body: ['CreateStructureBody', createStructureDto],
    response: ['Structure', structureView],
    status: 201,
    errors: [404, 413, 429],
  })
  createStructure(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.createStructure(actor, parseInput(entityId, id, 'id'), parseInput(createStructureDto, body, 'body'));
  }

  @Patch('structures/:id')
  @ApiContract({
    summary: 'Updates a structure; broadcasts structure_updated (update)',
    access: 'Owner, GM or player of its campaign.',
    params: { id: entityId },
    body: ['UpdateStructureBody', updateStructureDto],
    response: ['Structure', structureView],
    errors: [404, 413],
  })
  updateStructure(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.updateStructure(actor, parseInput(entityId, id, 'id'), parseInput(updateStructureDto, body, 'body'));
  }

  @Delete('structures/:id')
  @ApiContract({
    summary: 'Deletes a structure; broadcasts structure_updated (delete)',
    access: 'Owner or GM of its campaign.',
    params: { id: entityId },
    response: ['Deleted', deletedEntity],
    errors: [404],
  })
  deleteStructure(@CampaignActor() actor: Actor, @Param('id') id: string) {
    return this.settlements.deleteStructure(actor, parseInput(entityId, id, 'id'));
  }
}
