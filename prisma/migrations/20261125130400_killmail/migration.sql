-- CreateTable
CREATE TABLE "killmails" (
    "killmail_id" BIGINT NOT NULL,
    "killmail_time" TIMESTAMPTZ(3) NOT NULL,
    "solar_system_id" BIGINT NOT NULL,
    "victim_character_id" BIGINT,
    "victim_corporation_id" BIGINT,
    "victim_alliance_id" BIGINT,
    "victim_ship_type_id" BIGINT NOT NULL,
    "attacker_count" INTEGER NOT NULL,
    "attackers" JSONB NOT NULL,
    "zkb" JSONB,
    "total_value" DOUBLE PRECISION,
    "published_offset" BIGINT,
    "published_at" TIMESTAMPTZ(3),
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "killmails_pkey" PRIMARY KEY ("killmail_id")
);

-- CreateTable
CREATE TABLE "killmail_poller_cursors" (
    "feed" TEXT NOT NULL,
    "next_sequence" BIGINT NOT NULL,
    "lease_owner" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "killmail_poller_cursors_pkey" PRIMARY KEY ("feed")
);

-- CreateIndex
CREATE INDEX "killmails_killmail_time_idx" ON "killmails"("killmail_time");

