-- Transactional outbox (src/core/realtime/outbox-relay.ts): one row per logged event that
-- has committed but not been emitted yet. The append that stores an event inserts its row
-- in the same statement (and so in the same transaction as the domain change); whoever
-- emits it first deletes the row, and only the one whose DELETE returned it emits.
CREATE TABLE "event_outbox" (
    "seq" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "event_outbox_pkey" PRIMARY KEY ("seq")
);

-- AddForeignKey
ALTER TABLE "event_outbox" ADD CONSTRAINT "event_outbox_seq_fkey" FOREIGN KEY ("seq") REFERENCES "events"("seq") ON DELETE CASCADE ON UPDATE CASCADE;

-- Run leases of scheduled jobs when several instances share PostgreSQL without Redis
-- (src/core/scheduling/job-scheduler.service.ts): held, and renewed, for a whole run.
CREATE TABLE "job_leases" (
    "job" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "job_leases_pkey" PRIMARY KEY ("job")
);
