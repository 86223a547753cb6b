import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import { parseInput } from '../../core/errors';
import { UnitOfWork } from '../../core/realtime';
import { killmailInput, type KillmailInput } from './dto/killmail-input.dto';
import { killmailRooms } from './killmail-channels';
import type { KillmailAttacker, KillmailData, KillmailView } from './killmail.events';
import { KillmailMetrics, type IngestSource } from './killmail.metrics';
import { KillmailPublisher } from './killmail.publisher';
import { KillmailRepository, type NewKillmail } from './killmail.repository';

export interface IngestResult {
  killmail: KillmailView;
  /** True when this killmail id had been ingested before: nothing new was stored or sent. */
  duplicate: boolean;
}

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
  async ingestRaw(body: unknown, source: IngestSource): Promise<IngestResult> {
    return this.ingest(parseInput(killmailInput, body, 'killmail'), source);
  }

  async ingest(input: KillmailInput, source: IngestSource): Promise<IngestResult> {
    const { killmail, created, staged } = await this.uow.runSql(async (tx) => {
      const stored = await this.repository.insertIfAbsent(tx, toNewKillmail(input));
      // Known and published before: nothing to stage.
      if (stored.killmail.offset !== null) return { ...stored, staged: undefined };
      // New, or stored without an event by a version before the outbox: the key lets the event in once.
      const event = this.publisher.killmailIn(tx, toData(stored.killmail), stored.killmail.zkb, killmailRooms(stored.killmail, this.config.killmailRouting));
      return { ...stored, staged: event };
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

  list(limit: number, before: number | undefined): Promise<KillmailView[]> {
    return this.repository.list(limit, before);
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
      (a): KillmailAttacker => ({
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

/** The `data` block existing feed consumers read. */
export function toData(km: KillmailView): KillmailData {
  return {
    killmailId: km.killmailId,
    timestamp: km.killmailTime,
    victimId: km.victim.characterId,
    victimCorporationId: km.victim.corporationId,
    victimAllianceId: km.victim.allianceId,
    systemId: km.solarSystemId,
    shipTypeId: km.victim.shipTypeId,
    attackerCount: km.attackerCount,
  };
}
