import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../core/prisma';
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

  createSettlement(campaignId: string, input: { name: string; data: Record<string, unknown> }): Promise<Settlement> {
    return this.prisma.settlement.create({ data: { campaignId, name: input.name, data: input.data as Prisma.InputJsonObject } });
  }

  findSettlement(id: string): Promise<Settlement | null> {
    return this.prisma.settlement.findUnique({ where: { id } });
  }

  async updateSettlement(id: string, changes: SettlementChanges): Promise<Settlement | null> {
    const { count } = await this.prisma.settlement.updateMany({ where: { id }, data: toData(changes) });
    return count ? this.findSettlement(id) : null;
  }

  /** Deletes the settlement with its structures; resolves the structure ids that went, or null if it was gone. */
  async deleteSettlement(id: string): Promise<{ structureIds: string[] } | null> {
    return this.prisma.$transaction(async (tx) => {
      const structures = await tx.structure.findMany({ where: { settlementId: id }, select: { id: true } });
      const { count } = await tx.settlement.deleteMany({ where: { id } }); // structures go by ON DELETE CASCADE
      return count ? { structureIds: structures.map((s) => s.id) } : null;
    });
  }

  createStructure(
    settlement: Settlement,
    input: { name: string; type: string; data: Record<string, unknown> },
  ): Promise<Structure> {
    return this.prisma.structure.create({
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

  async updateStructure(id: string, changes: StructureChanges): Promise<Structure | null> {
    const { count } = await this.prisma.structure.updateMany({ where: { id }, data: toData(changes) });
    return count ? this.findStructure(id) : null;
  }

  async deleteStructure(id: string): Promise<boolean> {
    const { count } = await this.prisma.structure.deleteMany({ where: { id } });
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
