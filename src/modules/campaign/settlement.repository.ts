import { Injectable } from '@nestjs/common';
import { DomainError } from '../../core/errors';
import { PrismaService } from '../../core/prisma';
import type { Transaction } from '../../core/realtime';
import type { Prisma, Settlement, Structure } from '../../generated/prisma/client';

export interface SettlementChanges {
  name?: string;
  data?: Record<string, unknown>;
}

export interface StructureChanges extends SettlementChanges {
  type?: string;
}

/**
 * Settlements and the structures inside them (one aggregate): the only Prisma user for them.
 * Writes run in the caller's transaction (UnitOfWork), which also stores the events they cause.
 */
@Injectable()
export class SettlementRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Adds a settlement unless the campaign holds `limit` already. The campaign row is locked
   * for the count, so concurrent creations cannot pass the limit together. Null when the
   * campaign is gone.
   */
  async createSettlement(
    { db }: Transaction,
    campaignId: string,
    input: { name: string; data: Record<string, unknown> },
    limit: number,
  ): Promise<Settlement | null> {
    const locked = await db.$queryRaw<unknown[]>`SELECT id FROM campaigns WHERE id = ${campaignId} FOR UPDATE`;
    if (!locked.length) return null;
    if ((await db.settlement.count({ where: { campaignId } })) >= limit) {
      throw DomainError.quotaExceeded(`at most ${limit} settlements per campaign`, { quota: 'settlements_per_campaign', limit });
    }
    return db.settlement.create({ data: { campaignId, name: input.name, data: input.data as Prisma.InputJsonObject } });
  }

  findSettlement(id: string): Promise<Settlement | null> {
    return this.prisma.settlement.findUnique({ where: { id } });
  }

  /** The settlement as the transaction sees it, its row locked until the transaction ends (a concurrent change waits for this one). */
  async lockSettlement({ db }: Transaction, id: string): Promise<Settlement | null> {
    await db.$queryRaw`SELECT id FROM settlements WHERE id = ${id} FOR UPDATE`;
    return db.settlement.findUnique({ where: { id } });
  }

  async updateSettlement({ db }: Transaction, id: string, changes: SettlementChanges): Promise<Settlement | null> {
    const { count } = await db.settlement.updateMany({ where: { id }, data: toData(changes) });
    return count ? db.settlement.findUnique({ where: { id } }) : null;
  }

  /** Deletes the settlement with its structures; resolves the structure ids that went, or null if it was gone. */
  async deleteSettlement({ db }: Transaction, id: string): Promise<{ structureIds: string[] } | null> {
    const structures = await db.structure.findMany({ where: { settlementId: id }, select: { id: true } });
    const { count } = await db.settlement.deleteMany({ where: { id } }); // structures go by ON DELETE CASCADE
    return count ? { structureIds: structures.map((s) => s.id) } : null;
  }

  /** Adds a structure unless the settlement holds `limit` already (its row locked for the count); null when it is gone. */
  async createStructure(
    { db }: Transaction,
    settlement: Settlement,
    input: { name: string; type: string; data: Record<string, unknown> },
    limit: number,
  ): Promise<Structure | null> {
    const locked = await db.$queryRaw<unknown[]>`SELECT id FROM settlements WHERE id = ${settlement.id} FOR UPDATE`;
    if (!locked.length) return null;
    if ((await db.structure.count({ where: { settlementId: settlement.id } })) >= limit) {
      throw DomainError.quotaExceeded(`at most ${limit} structures per settlement`, {
        quota: 'structures_per_settlement',
        limit,
      });
    }
    return db.structure.create({
      data: {
        settlementId: settlement.id,
        campaignId: settlement.campaignId,
        name: input.name,
        type: input.type,
        data: input.data as Prisma.InputJsonObject,
      },
    });
  }

  findStructure(id: string): Promise<Structure | null> {
    return this.prisma.structure.findUnique({ where: { id } });
  }

  /** The structure as the transaction sees it, its row locked until the transaction ends. */
  async lockStructure({ db }: Transaction, id: string): Promise<Structure | null> {
    await db.$queryRaw`SELECT id FROM structures WHERE id = ${id} FOR UPDATE`;
    return db.structure.findUnique({ where: { id } });
  }

  async updateStructure({ db }: Transaction, id: string, changes: StructureChanges): Promise<Structure | null> {
    const { count } = await db.structure.updateMany({ where: { id }, data: toData(changes) });
    return count ? db.structure.findUnique({ where: { id } }) : null;
  }

  async deleteStructure({ db }: Transaction, id: string): Promise<boolean> {
    const { count } = await db.structure.deleteMany({ where: { id } });
    return count > 0;
  }
}

function toData(changes: StructureChanges): Prisma.StructureUpdateManyMutationInput {
  return {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.type !== undefined ? { type: changes.type } : {}),
    ...(changes.data !== undefined ? { data: changes.data as Prisma.InputJsonObject } : {}),
  };
}
