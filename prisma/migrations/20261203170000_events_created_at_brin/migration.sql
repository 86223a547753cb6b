-- events.created_at indexed by block range (BRIN) instead of a B-tree entry per event (bench P9:
-- the B-tree insert cost a 500-event append 2-7 of its 35-45 us of PostgreSQL CPU per event on
-- the test VM). Events are appended in time order, so each range of pages holds a narrow span
-- of times; retention's "events older than the cutoff" reads the ranges whose span starts
-- before it (none, usually) and walks the primary key when there are many.
-- The index is rebuilt under the migration's lock on events: one pass over the table (BRIN
-- builds in seconds for millions of rows), during which appends wait. Instances of the
-- previous version use the index the same way.
DROP INDEX "events_created_at_idx";

CREATE INDEX "events_created_at_idx" ON "events" USING BRIN ("created_at");
