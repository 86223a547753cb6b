-- One outbox row per append instead of one per event (bench P9: a 500-event batch inserted
-- 500 outbox rows and its claim deleted them again, about a fifth of the append's PostgreSQL
-- time).
--
-- * event_outbox_runs: for each append that stored events, ONE row with the first and last
--   offset it stored (`first_seq`, `last_seq`, the key). Appends take their offsets in one
--   contiguous block under the event log's head lock, so runs never overlap; offsets inside a
--   run that have no event (an idempotency key seen before) are simply absent from `events`.
--   Whoever deletes a run emits all of its events: the live path right after the commit, or
--   the outbox relay once the run is older than its grace period.
-- * event_outbox stays as it is: instances of the previous version keep writing one row per
--   event there during a rolling update, and this version's relay, replay and retention read
--   it alongside the runs. It can be dropped once no such instance runs and it is empty.
CREATE TABLE "event_outbox_runs" (
    "last_seq" BIGINT NOT NULL,
    "first_seq" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "event_outbox_runs_pkey" PRIMARY KEY ("last_seq")
);
