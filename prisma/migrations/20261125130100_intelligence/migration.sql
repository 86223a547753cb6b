-- CreateEnum
CREATE TYPE "intelligence_category" AS ENUM ('economic', 'diplomatic', 'government', 'crisis', 'achievement');

-- CreateEnum
CREATE TYPE "intelligence_priority" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateTable
CREATE TABLE "countries" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "gdp" DOUBLE PRECISION NOT NULL,
    "population" BIGINT NOT NULL,
    "vitality" DOUBLE PRECISION NOT NULL,
    "economic_tier" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "countries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "country_snapshots" (
    "country_id" TEXT NOT NULL,
    "gdp" DOUBLE PRECISION NOT NULL,
    "population" BIGINT NOT NULL,
    "vitality" DOUBLE PRECISION NOT NULL,
    "economic_tier" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "taken_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "country_snapshots_pkey" PRIMARY KEY ("country_id")
);

-- CreateTable
CREATE TABLE "intelligence_items" (
    "id" BIGSERIAL NOT NULL,
    "category" "intelligence_category" NOT NULL,
    "priority" "intelligence_priority" NOT NULL,
    "country_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "dedupe_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "intelligence_items_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "intelligence_items_dedupe_key_key" ON "intelligence_items"("dedupe_key");

-- CreateIndex
CREATE INDEX "intelligence_items_country_id_id_idx" ON "intelligence_items"("country_id", "id");

-- CreateIndex
CREATE INDEX "intelligence_items_category_id_idx" ON "intelligence_items"("category", "id");

-- AddForeignKey
ALTER TABLE "country_snapshots" ADD CONSTRAINT "country_snapshots_country_id_fkey" FOREIGN KEY ("country_id") REFERENCES "countries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "intelligence_items" ADD CONSTRAINT "intelligence_items_country_id_fkey" FOREIGN KEY ("country_id") REFERENCES "countries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

