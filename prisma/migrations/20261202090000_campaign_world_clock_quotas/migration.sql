-- Campaign module: the world clock stores an anchor ({world_time at ticked_at}, rate, running)
-- instead of being advanced and announced every second; running clocks and campaigns are
-- counted per user for the quotas.

-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "clock_started_by" TEXT,
ADD COLUMN     "ticked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- A running clock's world_time was last advanced at last_tick_at: that is its anchor. Clocks
-- running before this migration are attributed to the campaign's creator.
UPDATE "campaigns" SET "ticked_at" = COALESCE("last_tick_at", "updated_at");
UPDATE "campaigns" SET "clock_started_by" = "created_by" WHERE "clock_running";

-- AlterTable
ALTER TABLE "campaigns" DROP COLUMN "last_tick_at";

-- CreateIndex
CREATE INDEX "campaigns_created_by_idx" ON "campaigns"("created_by");

-- CreateIndex
CREATE INDEX "campaigns_clock_started_by_clock_running_idx" ON "campaigns"("clock_started_by", "clock_running");
