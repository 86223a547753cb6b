import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../../core/auth';
import { parseInput } from '../../core/errors';
import { countryId, createUpdateBody, listItemsQuery, putCountryBody, statusActionBody, unlockAchievementBody } from './dto/intelligence.dto';
import { IntelligenceService } from './intelligence.service';
import { WebsocketStatusService } from './websocket-status.service';

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
  constructor(
    private readonly intelligence: IntelligenceService,
    private readonly status: WebsocketStatusService,
  ) {}

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

  @Get('websocket-status')
  @Roles('admin')
  @ApiOperation({ summary: 'Realtime server and broadcast job status (seed 001 shape plus per-namespace and per-job detail)' })
  getStatus() {
    return this.status.status();
  }

  @Post('websocket-status')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Status actions: trigger_broadcast, get_detailed_stats, health_check' })
  async postStatus(@Body() body: unknown) {
    const { action } = parseInput(statusActionBody, body, 'body');
    switch (action) {
      case 'trigger_broadcast':
        return { action, ...(await this.status.triggerBroadcast()) };
      case 'get_detailed_stats':
        return { action, success: true, ...this.status.detailedStats() };
      case 'health_check':
        return { action, success: true, ...(await this.status.healthCheck()) };
    }
  }
}
