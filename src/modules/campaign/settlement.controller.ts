import { Body, Controller, Delete, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiContract } from '../../core/contract';
import { parseInput } from '../../core/errors';
import { CampaignActor } from './campaign-actor.decorator';
import {
  createSettlementInput,
  createStructureInput,
  deletedEntityDto,
  entityId,
  settlementDto,
  structureDto,
  updateSettlementInput,
  updateStructureInput,
} from './campaign.dto';
import type { Actor } from './campaign.service';
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
    body: ['CreateSettlementBody', createSettlementInput],
    response: ['Settlement', settlementDto],
    status: 201,
    errors: [404, 413, 429],
  })
  createSettlement(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.createSettlement(
      actor,
      parseInput(entityId, id, 'id'),
      parseInput(createSettlementInput, body, 'body'),
    );
  }

  @Patch('settlements/:id')
  @ApiContract({
    summary: 'Updates a settlement; broadcasts settlement_updated (update)',
    access: 'Owner, GM or player of its campaign.',
    params: { id: entityId },
    body: ['UpdateSettlementBody', updateSettlementInput],
    response: ['Settlement', settlementDto],
    errors: [404, 413],
  })
  updateSettlement(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.updateSettlement(
      actor,
      parseInput(entityId, id, 'id'),
      parseInput(updateSettlementInput, body, 'body'),
    );
  }

  @Delete('settlements/:id')
  @ApiContract({
    summary: 'Deletes a settlement and its structures; broadcasts settlement_updated (delete)',
    access: 'Owner or GM of its campaign.',
    params: { id: entityId },
    response: ['Deleted', deletedEntityDto],
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
    body: ['CreateStructureBody', createStructureInput],
    response: ['Structure', structureDto],
    status: 201,
    errors: [404, 413, 429],
  })
  createStructure(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.createStructure(actor, parseInput(entityId, id, 'id'), parseInput(createStructureInput, body, 'body'));
  }

  @Patch('structures/:id')
  @ApiContract({
    summary: 'Updates a structure; broadcasts structure_updated (update)',
    access: 'Owner, GM or player of its campaign.',
    params: { id: entityId },
    body: ['UpdateStructureBody', updateStructureInput],
    response: ['Structure', structureDto],
    errors: [404, 413],
  })
  updateStructure(@CampaignActor() actor: Actor, @Param('id') id: string, @Body() body: unknown) {
    return this.settlements.updateStructure(actor, parseInput(entityId, id, 'id'), parseInput(updateStructureInput, body, 'body'));
  }

  @Delete('structures/:id')
  @ApiContract({
    summary: 'Deletes a structure; broadcasts structure_updated (delete)',
    access: 'Owner or GM of its campaign.',
    params: { id: entityId },
    response: ['Deleted', deletedEntityDto],
    errors: [404],
  })
  deleteStructure(@CampaignActor() actor: Actor, @Param('id') id: string) {
    return this.settlements.deleteStructure(actor, parseInput(entityId, id, 'id'));
  }
}
