import { Body, Controller, Get, Param, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../core/auth';
import { ApiContract } from '../../core/contract';
import { parseInput } from '../../core/errors';
import { countryDto, countryIdInput, countryWithBaselineDto, putCountryInput } from './intelligence.dto';
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
    params: { id: countryIdInput },
    body: ['PutCountryBody', putCountryInput],
    response: ['Country', countryDto],
    status: 201,
    repeatStatus: 200,
  })
  async put(@Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) res: FastifyReply) {
    const { country, created } = await this.intelligence.putCountry(parseInput(countryIdInput, id, 'id'), parseInput(putCountryInput, body, 'body'));
    res.status(created ? 201 : 200);
    return country;
  }

  @Get(':id')
  @ApiContract({
    summary: 'A country with the baseline the broadcast job compares it with',
    params: { id: countryIdInput },
    response: ['CountryWithBaseline', countryWithBaselineDto],
    errors: [404],
  })
  get(@Param('id') id: string) {
    return this.intelligence.getCountry(parseInput(countryIdInput, id, 'id'));
  }
}
