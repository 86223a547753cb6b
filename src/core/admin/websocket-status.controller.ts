import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../auth/auth.decorators';
import { ApiContract } from '../contract/openapi';
import { DomainError, parseInput } from '../errors';
import { PrismaService } from '../prisma/prisma.service';
import { RealtimeServer } from '../realtime/realtime-server';
import { JobScheduler } from '../scheduling/job-scheduler.service';
import { namespaceStats } from './namespace-stats';
import { StatusRegistry } from './status-registry';

const BUILT_IN_ACTIONS = ['get_detailed_stats', 'health_check'] as const;
const statusAction = z.object({ action: z.string().min(1).max(64).describe('get_detailed_stats, health_check, or an action a module registers') });

const jobStatus = z.object({
  name: z.string(),
  intervalMs: z.number(),
  lastRunAt: z.string().nullable(),
  lastDurationMs: z.number().nullable(),
  lastOutcome: z.enum(['success', 'failure']).nullable(),
  lastError: z.string().nullable(),
  runs: z.number(),
  failures: z.number(),
  skipped: z.number().describe('Ticks another instance ran'),
  missed: z.number().describe('Ticks given up because this process was stalled past the catch-up window'),
});
/** Kernel sections; modules add their own top-level sections (the intelligence broadcast service's websocketServer, broadcastService). */
const websocketStatus = z.looseObject({ namespaces: z.array(z.object({ namespace: z.string(), connections: z.number().describe('Sockets on this instance'), rooms: z.number() })), jobs: z.array(jobStatus) });
const statusActionResult = z.looseObject({ action: z.string(), success: z.boolean().optional() });

/**
 * The status API older clients poll: namespaces and jobs from the kernel, plus whatever
 * feature modules register (the Intelligence broadcast service's fields from the earlier app).
 * The operator console reads the live `/ws/admin` feed instead.
 */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/websocket-status')
export class WebsocketStatusController {
  constructor(
    private readonly registry: StatusRegistry,
    private readonly realtime: RealtimeServer,
    private readonly scheduler: JobScheduler,
    private readonly prisma: PrismaService,
  ) {}

  @Get()
  @Roles('admin')
  @ApiContract({
    summary: 'Realtime server and job status (per-namespace and per-job detail, plus module sections)',
    roles: ['admin'],
    response: ['WebsocketStatus', websocketStatus],
  })
  getStatus() {
    return this.status();
  }

  @Post()
  @Roles('admin')
  @HttpCode(200)
  @ApiContract({
    summary: 'Status actions: get_detailed_stats, health_check, and those modules register (trigger_broadcast)',
    roles: ['admin'],
    body: ['StatusActionBody', statusAction],
    response: ['StatusActionResult', statusActionResult],
  })
  async postStatus(@Body() body: unknown) {
    const { action } = parseInput(statusAction, body, 'body');
    if (action === 'get_detailed_stats') {
      return { action, success: true, ...this.status(), ...merge(this.registry.all().map((e) => e.detailedStats())) };
    }
    if (action === 'health_check') return { action, success: true, ...(await this.healthCheck()) };
    const run = this.registry.action(action);
    if (!run) {
      throw DomainError.badRequest(`action: must be one of ${[...BUILT_IN_ACTIONS, ...this.registry.actionNames()].join(', ')}`);
    }
    return { action, ...(await run()) };
  }

  private status() {
    return {
      ...merge(this.registry.all().map((e) => e.status())),
      namespaces: this.realtime.namespaces().map(namespaceStats),
      jobs: this.scheduler.statuses(),
    };
  }

  private async healthCheck() {
    let database = true;
    try {
      await this.prisma.ping();
    } catch {
      database = false;
    }
    const checks: Record<string, boolean> = {
      websocketServer: this.realtime.server !== undefined && this.realtime.isAccepting,
      database,
      ...merge(await Promise.all(this.registry.all().map((e) => Promise.resolve(e.healthChecks())))),
    };
    return { healthy: Object.values(checks).every(Boolean), checks, timestamp: new Date().toISOString() };
  }
}

function merge<T extends Record<string, unknown>>(parts: T[]): T {
  return Object.assign({}, ...parts) as T;
}
