-- Unread counts kept, not counted (bench P9: the unread-count query read every unread
-- notification of the users concerned, twice per count round, so its cost grew with their
-- backlog: ~22 ms per round at a few hundred unread each, a quarter of PostgreSQL's time).
--
-- * notification_unread_counts holds, per user, deltas whose sum is the number of
--   notifications with read_at NULL. Statement-level triggers on notifications keep it, so
--   every write path (batch insert, read, read-all, acknowledge, delete) moves it in the
--   same transaction as the rows, and no code path can forget to.
-- * Each connection adds to its own row of the user (shard = backend pid mod 16): concurrent
--   transactions for the same users, such as two batches announcing to the same 100 users,
--   then rarely wait for each other's row locks until commit. A statement locks its rows in
--   user order, so two transactions on the same shard wait, never deadlock.
-- * A read is the sum of at most 16 rows per user, from the primary key.
CREATE TABLE "notification_unread_counts" (
    "user_id" TEXT NOT NULL,
    "shard" SMALLINT NOT NULL,
    "unread" INTEGER NOT NULL,

    CONSTRAINT "notification_unread_counts_pkey" PRIMARY KEY ("user_id", "shard")
);

-- Instances still on the previous version keep writing during a rolling update: the lock
-- makes their writes land either before the backfill reads the rows (waited for here) or after
-- the triggers exist (they wait for this migration's commit), never in between.
LOCK TABLE "notifications" IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO "notification_unread_counts" ("user_id", "shard", "unread")
SELECT "user_id", 0, count(*) FROM "notifications" WHERE "read_at" IS NULL GROUP BY "user_id";

CREATE FUNCTION "notification_unread_counts_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM notification_unread_counts;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO notification_unread_counts AS c (user_id, shard, unread)
    SELECT user_id, pg_backend_pid() % 16, count(*) FROM new_rows WHERE read_at IS NULL GROUP BY user_id ORDER BY user_id
    ON CONFLICT (user_id, shard) DO UPDATE SET unread = c.unread + EXCLUDED.unread;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO notification_unread_counts AS c (user_id, shard, unread)
    SELECT user_id, pg_backend_pid() % 16, sum(delta) FROM (
      SELECT user_id, 1 AS delta FROM new_rows WHERE read_at IS NULL
      UNION ALL
      SELECT user_id, -1 AS delta FROM old_rows WHERE read_at IS NULL
    ) d GROUP BY user_id HAVING sum(delta) <> 0 ORDER BY user_id
    ON CONFLICT (user_id, shard) DO UPDATE SET unread = c.unread + EXCLUDED.unread;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO notification_unread_counts AS c (user_id, shard, unread)
    SELECT user_id, pg_backend_pid() % 16, -count(*) FROM old_rows WHERE read_at IS NULL GROUP BY user_id ORDER BY user_id
    ON CONFLICT (user_id, shard) DO UPDATE SET unread = c.unread + EXCLUDED.unread;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "notification_unread_counts_insert" AFTER INSERT ON "notifications"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "notification_unread_counts_apply"();
CREATE TRIGGER "notification_unread_counts_update" AFTER UPDATE ON "notifications"
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "notification_unread_counts_apply"();
CREATE TRIGGER "notification_unread_counts_delete" AFTER DELETE ON "notifications"
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "notification_unread_counts_apply"();
CREATE TRIGGER "notification_unread_counts_truncate" AFTER TRUNCATE ON "notifications"
    FOR EACH STATEMENT EXECUTE FUNCTION "notification_unread_counts_apply"();
