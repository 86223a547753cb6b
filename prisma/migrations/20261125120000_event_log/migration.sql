-- CreateSchema

-- CreateTable
CREATE TABLE "event_log_head" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "last_seq" BIGINT NOT NULL DEFAULT 0,
    "pruned_through" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "event_log_head_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "seq" BIGINT NOT NULL,
    "namespace" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "idempotency_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "events_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "event_rooms" (
    "namespace" TEXT NOT NULL,
    "room" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,

    CONSTRAINT "event_rooms_pkey" PRIMARY KEY ("namespace","room","seq")
);

-- CreateTable
CREATE TABLE "job_ticks" (
    "job" TEXT NOT NULL,
    "tick" BIGINT NOT NULL,
    "claimed_by" TEXT NOT NULL,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_ticks_pkey" PRIMARY KEY ("job","tick")
);

-- CreateIndex
CREATE UNIQUE INDEX "events_idempotency_key_key" ON "events"("idempotency_key");

-- CreateIndex
CREATE INDEX "events_created_at_idx" ON "events"("created_at");

-- CreateIndex
CREATE INDEX "event_rooms_seq_idx" ON "event_rooms"("seq");

-- AddForeignKey
ALTER TABLE "event_rooms" ADD CONSTRAINT "event_rooms_seq_fkey" FOREIGN KEY ("seq") REFERENCES "events"("seq") ON DELETE CASCADE ON UPDATE CASCADE;


-- The single head row every append locks.
INSERT INTO "event_log_head" ("id", "last_seq", "pruned_through") VALUES (1, 0, 0);
