-- One room row per append instead of one per event (bench P9: an intelligence batch of 500
-- events in five rooms each wrote 2,500 event_rooms rows, which cost more PostgreSQL time than
-- the events themselves).
--
-- * event_room_runs: for each room an append wrote to, ONE row with the offsets it gave that
--   room (`seqs`, in no particular order), their number (`event_count`, so a reader can bound how many rows
--   it needs without opening the arrays) and the highest (`last_seq`, the key). Appends take
--   their offsets in one contiguous block under the event log's head lock, so a room's runs
--   never interleave: every offset of one run is below every offset of the room's next run.
--   Replay and history page through them (EventLogService).
-- * event_rooms becomes event_rooms_legacy: the rows written so far, one per event and room.
--   Readers take both tables until retention has removed the old rows; nothing is copied, so
--   this migration is quick on a large log.
-- * Rolling update: instances of the previous version still write and read `event_rooms`.
--   That name is now a view over both tables, whose INSERT and DELETE go to the legacy table
--   (triggers below), so their events stay visible to new instances and new events to them.
ALTER TABLE "event_rooms" RENAME TO "event_rooms_legacy";
ALTER TABLE "event_rooms_legacy" RENAME CONSTRAINT "event_rooms_pkey" TO "event_rooms_legacy_pkey";

CREATE TABLE "event_room_runs" (
    "namespace" TEXT NOT NULL,
    "room" TEXT NOT NULL,
    "last_seq" BIGINT NOT NULL,
    "event_count" INTEGER NOT NULL,
    "seqs" BIGINT[] NOT NULL,

    CONSTRAINT "event_room_runs_pkey" PRIMARY KEY ("namespace","room","last_seq")
);

CREATE VIEW "event_rooms" AS
    SELECT "namespace", "room", "seq" FROM "event_rooms_legacy"
    UNION ALL
    SELECT r."namespace", r."room", s."seq" FROM "event_room_runs" r CROSS JOIN LATERAL unnest(r."seqs") AS s("seq");

CREATE FUNCTION "event_rooms_view_write"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO "event_rooms_legacy" ("namespace", "room", "seq") VALUES (NEW."namespace", NEW."room", NEW."seq");
        RETURN NEW;
    END IF;
    -- Runs are removed by the current version's retention, which finds them by room.
    DELETE FROM "event_rooms_legacy" WHERE "namespace" = OLD."namespace" AND "room" = OLD."room" AND "seq" = OLD."seq";
    RETURN OLD;
END
$$;

CREATE TRIGGER "event_rooms_view_write" INSTEAD OF INSERT OR DELETE ON "event_rooms"
    FOR EACH ROW EXECUTE FUNCTION "event_rooms_view_write"();
