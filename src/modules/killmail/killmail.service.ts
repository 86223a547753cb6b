import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import { parseInput } from '../../core/errors';
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
 * Ingestion, the one path for the HTTP route and the upstream poller: validate, store by
 * killmail id, publish. Idempotent end to end: the row's primary key dedupes storage and
 * the publish is keyed by killmail id, so a crash between the two is repaired by the next
 * attempt (the row is there but unpublished: it is published then) without a double send.
 */
@Injectable()
export class KillmailService {
  private readonly logger = new Logger(KillmailService.name);

  constructor(
    private readonly repository: KillmailRepository,
    private readonly publisher: KillmailPublisher,
    private readonly metrics: KillmailMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Validates an untrusted ESI-style killmail (400 naming the field) and ingests it. */
  async ingestRaw(body: unknown, source: IngestSource): Promise<IngestResult> {
    return this.ingest(parseInput(killmailInput, body, 'killmail'), source);
  }

  async ingest(input: KillmailInput, source: IngestSource): Promise<IngestResult> {
    const { killmail, created } = await this.repository.insertIfAbsent(toNewKillmail(input));
    if (killmail.offset !== null) {
      this.metrics.ingested.inc({ source, outcome: 'duplicate' });
      return { killmail, duplicate: true };
    }
    const published = await this.publisher.publishKillmail(toData(killmail), killmail.zkb, killmailRooms(killmail, this.config.killmailRouting));
    if (published) {
      await this.repository.markPublished(killmail.killmailId, published.offset);
      killmail.offset = published.offset;
    }
    // Not created but unpublished: an earlier attempt stored it and died before publishing,
    // or a concurrent request stored it and is publishing it right now; the publish key lets
    // one of them through. Either way this request did not store it, so it is the duplicate:
    // whichever request inserted the row answers "new", whoever won the publish.
    if (!created && published) this.logger.log(`killmail ${killmail.killmailId}: a repeat published it (an earlier ingest was interrupted or still running)`);
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

/** The seed's `data` block. */
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
