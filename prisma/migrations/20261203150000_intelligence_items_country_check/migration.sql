-- Intelligence items without a foreign key to their country (bench P9: PostgreSQL checked the
-- key with a trigger and a lookup per inserted row, ~12 of the ~43 us of PostgreSQL CPU an
-- item cost in a 500-item batch on the test VM).
--
-- * The one repository that writes intelligence_items locks the item's country FOR KEY SHARE
--   in the inserting statement (or just before it) and writes no item for a country that is
--   not there: the check the key made, once per country instead of once per row. A country
--   cannot be deleted while such a transaction holds its lock.
-- * What the key did on the other side is kept by triggers on countries: deleting a country
--   deletes its items, changing its id carries them along (the key was ON DELETE CASCADE
--   ON UPDATE CASCADE).
-- During a rolling update, instances of the previous version write batches the same way (their
-- statement already locked the countries and skipped unknown ones) and the triggers do what the
-- key's actions did; their job's alert items hold the country's baseline row, which a delete
-- of the country must wait for before its trigger runs. Only their single insert (achievement
-- unlocks) relied on the key: it looks the country up first, so only a country deleted at that
-- very moment could leave an item behind, for as long as such an instance runs.
ALTER TABLE "intelligence_items" DROP CONSTRAINT "intelligence_items_country_id_fkey";

CREATE FUNCTION "intelligence_items_follow_country"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM intelligence_items WHERE country_id = OLD.id;
    RETURN OLD;
  END IF;
  UPDATE intelligence_items SET country_id = NEW.id WHERE country_id = OLD.id;
  RETURN NEW;
END
$$;

CREATE TRIGGER "countries_delete_items" AFTER DELETE ON "countries"
  FOR EACH ROW EXECUTE FUNCTION "intelligence_items_follow_country"();
-- Only a real change of id: an UPDATE that merely names the column (or changes the figures)
-- must not rewrite the country's items.
CREATE TRIGGER "countries_rekey_items" AFTER UPDATE OF "id" ON "countries"
  FOR EACH ROW WHEN (OLD."id" IS DISTINCT FROM NEW."id") EXECUTE FUNCTION "intelligence_items_follow_country"();
