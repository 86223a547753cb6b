import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../../core/auth';
import { ApiContract } from '../../core/contract';
import { parseInput } from '../../core/errors';
import { batchPublishBody } from '../../core/realtime';
import {
  achievementResult,
  countryDto,
  countryId,
  countryWithBaseline,
  createUpdateBody,
  itemPage,
  listItemsQuery,
  putCountryBody,
  unlockAchievementBody,
  updateBatchBody,
  updateBatchResult,
  updateResult,
} from './dto/intelligence.dto';
import { IntelligenceService } from './intelligence.service';

@ApiTags('intelligence')
@ApiBearerAuth()
@Controller('api/countries')
export class CountriesController {
  constructor(private readonly intelligence: IntelligenceService) {}

  @Put(':id')
  @Roles('service', 'admin')
  @ApiContract({
    summary: "Creates or replaces a country's figures",
    roles: ['service', 'admin'],
    params: { id: countryId },
    body: ['PutCountryBody', putCountryBody],
    response: ['Country', countryDto],
    status: 201,
    repeatStatus: 200,
  })
  async put(@Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const { country, created } = await this.intelligence.putCountry(parseInput(countryId, id, 'id'), parseInput(putCountryBody, body, 'body'));
    res.status(created ? 201 : 200);
    return country;
  }

  @Get(':id')
  @ApiContract({
    summary: 'A country with the baseline the broadcast job compares it with',
    params: { id: countryId },
    response: ['CountryWithBaseline', countryWithBaseline],
    errors: [404],
  })
  get(@Param('id') id: string) {
    return this.intelligence.getCountry(parseInput(countryId, id, 'id'));
  }
}

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
    body: ['CreateIntelligenceUpdateBody', createUpdateBody],
    response: ['IntelligenceUpdateResult', updateResult],
    status: 201,
    repeatStatus: 200,
    errors: [404, 413],
  })
  async createUpdate(@Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const result = await this.intelligence.createUpdate(parseInput(createUpdateBody, body, 'body'));
    res.status(result.duplicate ? 200 : 201);
    return result;
  }

  @Get('intelligence/items')
  @ApiContract({ summary: 'Intelligence items, newest first', query: listItemsQuery, response: ['IntelligenceItemPage', itemPage] })
  listItems(@Query() query: unknown) {
    return this.intelligence.listItems(parseInput(listItemsQuery, query, 'query'));
  }

  @Post('achievements/unlock')
  @Roles('service')
  @ApiContract({
    summary: 'Unlocks an achievement: an item, an achievement event and a notification, once',
    roles: ['service'],
    body: ['UnlockAchievementBody', unlockAchievementBody],
    response: ['AchievementUnlocked', achievementResult],
    status: 201,
    repeatStatus: 200,
    errors: [404],
  })
  async unlock(@Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const result = await this.intelligence.unlockAchievement(parseInput(unlockAchievementBody, body, 'body'));
    res.status(result.duplicate ? 200 : 201);
    return result;
  }

  @Post('intelligence/updates/batch')
  @Roles('service')
  @HttpCode(200)
  @ApiContract({
    summary:
      'Records up to 500 intelligence items in one transaction and broadcasts them in item order; each item is reported created, duplicate (its dedupeKey was stored before) or rejected',
    roles: ['service'],
    body: ['IntelligenceUpdateBatchBody', updateBatchBody],
    response: ['IntelligenceUpdateBatchResult', updateBatchResult],
    errors: [413],
  })
  createUpdates(@Body() body: unknown) {
    return this.intelligence.createUpdates(parseInput(batchPublishBody, body, 'body').items);
  }
}
