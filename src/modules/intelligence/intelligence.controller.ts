import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../core/auth';
import { ApiContract } from '../../core/contract';
import { parseInput } from '../../core/errors';
import { BatchPublishRoute, batchPublishBody } from '../../core/realtime';
import {
  achievementDto,
  createUpdateInput,
  itemPageDto,
  listItemsInput,
  unlockAchievementInput,
  updateBatchInput,
  updateBatchResultDto,
  updateResultDto,
} from './intelligence.dto';
import { IntelligenceService } from './intelligence.service';

@ApiTags('intelligence')
@ApiBearerAuth()
@Controller('api')
export class IntelligenceController {
  constructor(private readonly intelligence: IntelligenceService) {}

  @Post('intelligence/updates')
  @Roles('service')
  @ApiContract({
    summary: 'Records an intelligence item and broadcasts it as intelligence:update; a repeated dedupeKey answers 200 with the first item',
    roles: ['service'],
    body: ['CreateIntelligenceUpdateBody', createUpdateInput],
    response: ['IntelligenceUpdateResult', updateResultDto],
    status: 201,
    repeatStatus: 200,
    errors: [404, 413],
  })
  async createUpdate(@Body() body: unknown, @Res({ passthrough: true }) res: FastifyReply) {
    const result = await this.intelligence.createUpdate(parseInput(createUpdateInput, body, 'body'));
    res.status(result.duplicate ? 200 : 201);
    return result;
  }

  @Get('intelligence/items')
  @ApiContract({ summary: 'Intelligence items, newest first', query: listItemsInput, response: ['IntelligenceItemPage', itemPageDto] })
  listItems(@Query() query: unknown) {
    return this.intelligence.listItems(parseInput(listItemsInput, query, 'query'));
  }

  @Post('achievements/unlock')
  @Roles('service')
  @ApiContract({
    summary: 'Unlocks an achievement: an item, an achievement event and a notification, once',
    roles: ['service'],
    body: ['UnlockAchievementBody', unlockAchievementInput],
    response: ['AchievementUnlocked', achievementDto],
    status: 201,
    repeatStatus: 200,
    errors: [404],
  })
  async unlock(@Body() body: unknown, @Res({ passthrough: true }) res: FastifyReply) {
    const result = await this.intelligence.unlockAchievement(parseInput(unlockAchievementInput, body, 'body'));
    res.status(result.duplicate ? 200 : 201);
    return result;
  }

  @Post('intelligence/updates/batch')
  @BatchPublishRoute('service')
  @HttpCode(200)
  @ApiContract({
    summary:
      'Records up to 500 intelligence items in one transaction and broadcasts them in item order; each item is reported created, duplicate (its dedupeKey was stored before) or rejected',
    roles: ['service'],
    body: ['IntelligenceUpdateBatchBody', updateBatchInput],
    response: ['IntelligenceUpdateBatchResult', updateBatchResultDto],
    errors: [413],
  })
  createUpdates(@Body() body: unknown) {
    return this.intelligence.createUpdates(parseInput(batchPublishBody, body, 'body').items);
  }
}
