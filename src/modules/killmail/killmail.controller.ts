import { Body, Controller, Get, HttpStatus, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../core/auth';
import { ApiContract } from '../../core/contract';
import { parseInput } from '../../core/errors';
import { ingestResultDto, killmailInput, killmailPageDto, listKillmailsInput } from './killmail.dto';
import { KillmailService } from './killmail.service';

@ApiTags('killmails')
@ApiBearerAuth()
@Controller('api/killmails')
export class KillmailController {
  constructor(private readonly killmails: KillmailService) {}

  /** Ingests an ESI-style killmail: 201 when new, 200 `{duplicate: true}` when already ingested (nothing re-sent). */
  @Roles('service')
  @Post()
  @ApiContract({
    summary: 'Ingests an ESI-style killmail (or the upstream {esi, zkb} wrapper) and broadcasts it; a repeat answers 200 with duplicate: true, nothing re-sent',
    roles: ['service'],
    body: ['KillmailInput', killmailInput],
    response: ['IngestedKillmail', ingestResultDto],
    status: 201,
    repeatStatus: 200,
    errors: [413],
  })
  async ingest(@Body() body: unknown, @Res({ passthrough: true }) res: FastifyReply) {
    const result = await this.killmails.ingestRaw(body, 'http');
    res.status(result.duplicate ? HttpStatus.OK : HttpStatus.CREATED);
    return result;
  }

  /** Newest first; page with `before` = the last `killmailId` of the previous page. */
  @Get()
  @ApiContract({ summary: 'Killmails, newest first; page with before = the last killmailId', query: listKillmailsInput, response: ['KillmailPage', killmailPageDto] })
  list(@Query() query: unknown) {
    const { limit, before } = parseInput(listKillmailsInput, query, 'query');
    return this.killmails.list(limit, before);
  }
}
