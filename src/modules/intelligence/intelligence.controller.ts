import { Body, Controller, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../../core/auth';
import { parseInput } from '../../core/errors';
import { countryId, createUpdateBody, listItemsQuery, putCountryBody, unlockAchievementBody } from './dto/intelligence.dto';
import { IntelligenceService } from './intelligence.service';

@ApiTags('intelligence')
@ApiBearerAuth()
@Controller('api/countries')
export class CountriesController {
  constructor(private readonly intelligence: IntelligenceService) {}

  @Put(':id')
  @Roles('service', 'admin')
  @ApiOperation({ summary: "Create or replace a country's figures {name, gdp, population, vitality, economicTier}" })
  async put(@Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const { country, created } = await this.intelligence.putCountry(parseInput(countryId, id, 'id'), parseInput(putCountryBody, body, 'body'));
    res.status(created ? 201 : 200);
    return country;
  }

  @Get(':id')
  @ApiOperation({ summary: 'A country with the baseline the broadcast job compares it with' })
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
  @ApiOperation({ summary: 'Record an intelligence item and broadcast it as intelligence:update' })
  async createUpdate(@Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const result = await this.intelligence.createUpdate(parseInput(createUpdateBody, body, 'body'));
    res.status(result.duplicate ? 200 : 201);
    return result;
  }

  @Get('intelligence/items')
  @ApiOperation({ summary: 'Intelligence items, newest first (?countryId&category&limit&before)' })
  listItems(@Query() query: unknown) {
    return this.intelligence.listItems(parseInput(listItemsQuery, query, 'query'));
  }

  @Post('achievements/unlock')
  @Roles('service')
  @ApiOperation({ summary: 'Unlock an achievement {userId, countryId, achievementKey}: item, event and notification, once' })
  async unlock(@Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const result = await this.intelligence.unlockAchievement(parseInput(unlockAchievementBody, body, 'body'));
    res.status(result.duplicate ? 200 : 201);
    return result;
  }
}
