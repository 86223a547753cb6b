import { Controller, Get, Header, Headers, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config';
import { Public } from '../auth/auth.decorators';
import { bearer } from '../auth/auth.service';
import { DomainError } from '../errors';
import { MetricsService } from './metrics.service';

/**
 * Prometheus scrape endpoint. Open when METRICS_TOKEN is unset (keep it off the public
 * ingress then); with it, scrapers send `Authorization: Bearer <METRICS_TOKEN>`. Not a
 * user JWT: a scraper needs no identity, and a user token must not read operator data.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly expected: Buffer | undefined;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.expected = config.metricsToken === undefined ? undefined : digest(config.metricsToken);
  }

  @Public()
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  render(@Headers('authorization') authorization: string | undefined): Promise<string> {
    if (this.expected) {
      const given = bearer(authorization);
      // Compared as fixed-length digests so the time taken says nothing about the token.
      if (!given || !timingSafeEqual(digest(given), this.expected)) {
        throw new DomainError('unauthorized', 'metrics need the METRICS_TOKEN bearer token');
      }
    }
    return this.metrics.render();
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
