import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import type { Principal } from '../../core/auth';
import { parseInput } from '../../core/errors';
import { pageRequest, toPage, type Page } from '../../core/paging';
import { UnitOfWork } from '../../core/realtime';
import { isKillmailChannel, killmailRooms } from './killmail-routing';
import { killmailInput, toKillmailDto, type IngestResultDto, type KillmailAttackerDto, type KillmailDto, type KillmailInput } from './killmail.dto';
import { toKillmailData } from './killmail.events';
import { KillmailMetrics, type IngestSource } from './killmail.metrics';
import { KillmailPublisher } from './killmail.publisher';
import { KillmailRepository, type NewKillmail } from './killmail.repository';

/**
 * Ingestion, the one path for the HTTP route and the upstream poller: validate, then store
 * the killmail and its event in one transaction (keyed by killmail id), emit after the
 * commit. A crash after the commit loses nothing (the outbox relay emits it); a repeat
 * stores and sends nothing. `published_offset` is filled in after the commit, for the view.
 */
@Injectable()
export class KillmailService {
  private readonly logger = new Logger(KillmailService.name);

  constructor(
    private readonly repository: KillmailRepository,
    private readonly publisher: KillmailPublisher,
    private readonly metrics: KillmailMetrics,
    private readonly uow: UnitOfWork,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Validates an untrusted ESI-style killmail (400 naming the field) and ingests it. */
  async ingestRaw(body: unknown, source: IngestSource): Promise<IngestResultDto> {
    return this.ingest(parseInput(killmailInput, body, 'killmail'), source);
  }

  async ingest(input: KillmailInput, source: IngestSource): Promise<IngestResultDto> {
    const { killmail, created, staged } = await this.uow.runSql(async (tx) => {
      const stored = await this.repository.insertIfAbsent(tx, toNewKillmail(input));
      const dto = toKillmailDto(stored.killmail);
      // Known and published before: nothing to stage.
      if (dto.offset !== null) return { killmail: dto, created: stored.created, staged: undefined };
      // New, or stored without an event by a version before the outbox: the key lets the event in once.
      const event = this.publisher.killmailIn(tx, toKillmailData(dto), dto.zkb, killmailRooms(dto, this.config.killmailRouting));
      return { killmail: dto, created: stored.created, staged: event };
    });
    const published = await staged?.published;
    if (published) {
      killmail.offset = published.offset;
      await this.repository.markPublished(killmail.killmailId, published.offset).catch((err: Error) => {
        // The event is committed and emitted; the view's offset is only a convenience.
        this.logger.warn(`killmail ${killmail.killmailId}: recording its offset failed: ${err.message}`);
      });
    }
    if (!created && published) this.logger.log(`killmail ${killmail.killmailId}: a repeat published it (stored without its event before)`);
    this.metrics.ingested.inc({ source, outcome: created ? 'new' : 'duplicate' });
    return { killmail, duplicate: !created };
  }

  /** Newest first; the page's `nextBefore` is the last item's killmail id. */
  async list(limit: number, before: number | undefined): Promise<Page<KillmailDto>> {
    const rows = await this.repository.list(pageRequest(limit), before);
    return toPage(rows, limit, toKillmailDto, (row) => row.killmailId.toString());
  }

  /**
   * Whether `user` may read `channel` — subscribing and GET /api/history both ask this.
   * Killmails are public data: any authenticated user may read every killmail channel.
   */
  mayRead(_user: Principal, channel: string): boolean {
    return isKillmailChannel(channel);
  }
}

function toNewKillmail(input: KillmailInput): NewKillmail {
  const zkb = input.zkb ?? null;
  return {
    killmailId: input.killmail_id,
    killmailTime: new Date(input.killmail_time),
    solarSystemId: input.solar_system_id,
    victim: {
      characterId: input.victim.character_id ?? null,
      corporationId: input.victim.corporation_id ?? null,
      allianceId: input.victim.alliance_id ?? null,
      shipTypeId: input.victim.ship_type_id,
    },
    attackers: input.attackers.map(
      (a): KillmailAttackerDto => ({
        characterId: a.character_id ?? null,
        corporationId: a.corporation_id ?? null,
        allianceId: a.alliance_id ?? null,
        factionId: a.faction_id ?? null,
        shipTypeId: a.ship_type_id ?? null,
        weaponTypeId: a.weapon_type_id ?? null,
        damageDone: a.damage_done ?? null,
        finalBlow: a.final_blow ?? false,
      }),
    ),
    zkb,
    totalValue: zkb?.totalValue ?? null,
  };
}
