import { Injectable } from '@nestjs/common';
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

/** Settlements and the structures inside them (one aggregate): the only Prisma user for them. */
@Injectable()
export class SettlementRepository {
  constructor(private readonly prisma: PrismaService) {}

  createSettlement({ db }: Transaction, campaignId: string, input: { name: string; data: Record<string, unknown> }): Promise<Settlement> {
    return db.settlement.create({ data: { campaignId, name: input.name, data: input.data as Prisma.InputJsonObject } });
  }

  findSettlement(id: string, tx?: Transaction): Promise<Settlement | null> {
    return (tx?.db ?? this.prisma).settlement.findUnique({ where: { id } });
  }

  async updateSettlement(tx: Transaction, id: string, changes: SettlementChanges): Promise<Settlement | null> {
    const { count } = await tx.db.settlement.updateMany({ where: { id }, data: toData(changes) });
    return count ? this.findSettlement(id, tx) : null;
  }

  /** Deletes the settlement with its structures (in the caller's transaction); resolves the structure ids that went, or null if it was gone. */
  async deleteSettlement({ db: tx }: Transaction, id: string): Promise<{ structureIds: string[] } | null> {
    {
      const structures = await tx.structure.findMany({ where: { settlementId: id }, select: { id: true } });
      const { count } = await tx.settlement.deleteMany({ where: { id } }); // structures go by ON DELETE CASCADE
      return count ? { structureIds: structures.map((s) => s.id) } : null;
    }
  }

  createStructure(
    { db }: Transaction,
    settlement: Settlement,
    input: { name: string; type: string; data: Record<string, unknown> },
  ): Promise<Structure> {
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

  findStructure(id: string, tx?: Transaction): Promise<Structure | null> {
    return (tx?.db ?? this.prisma).structure.findUnique({ where: { id } });
  }

  async updateStructure(tx: Transaction, id: string, changes: StructureChanges): Promise<Structure | null> {
    const { count } = await tx.db.structure.updateMany({ where: { id }, data: toData(changes) });
    return count ? this.findStructure(id, tx) : null;
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
