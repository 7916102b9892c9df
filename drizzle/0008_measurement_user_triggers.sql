-- measurement.user_id → user.id, kept by statement-level triggers instead of a foreign key (issue 17).
--
-- PostgreSQL checks a foreign key once per inserted row (an internal row trigger that runs
-- `SELECT 1 FROM "user" WHERE id = $1 FOR KEY SHARE` through SPI); there is no statement-level or
-- batched form, and DEFERRABLE only moves the same per-row checks to commit. On a year of minute
-- heart rate that check was about a sixth of the insert's PostgreSQL CPU. A bridge request writes
-- hundreds of thousands of rows of ONE user, so the same guarantee is kept once per statement:
--
-- * insert/update of measurement: an AFTER … FOR EACH STATEMENT trigger reads the distinct user ids
--   of the statement's rows (its transition table) and locks each user FOR KEY SHARE, exactly the
--   lock the foreign key takes, or raises foreign_key_violation (23503) under the old constraint's
--   name. The lock lasts until the writing transaction ends, so the user cannot be deleted (or its
--   id changed) in between; a user deleted before that is seen (READ COMMITTED re-reads the row
--   after waiting) and the write fails.
-- * delete of user: an AFTER … FOR EACH STATEMENT trigger deletes the deleted users' measurements
--   (ON DELETE CASCADE). It refuses to run at REPEATABLE READ or SERIALIZABLE: the foreign key's
--   cascade re-checks against the latest snapshot there, a trigger cannot, so rows committed after
--   the deleting transaction's snapshot could be missed. The app deletes users at READ COMMITTED.
-- * update of user.id: refused while the user has measurements (the foreign key's ON UPDATE NO ACTION).
-- * TRUNCATE "user" (… CASCADE) truncates measurement too.
CREATE FUNCTION measurement_user_exists() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  uid uuid;
BEGIN
  FOR uid IN SELECT DISTINCT user_id FROM new_rows LOOP
    PERFORM 1 FROM "user" WHERE id = uid FOR KEY SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'insert or update on table "measurement" violates foreign key constraint "measurement_user_id_user_id_fk"'
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'measurement_user_id_user_id_fk', TABLE = 'measurement',
          DETAIL = format('Key (user_id)=(%s) is not present in table "user".', uid);
    END IF;
  END LOOP;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER measurement_user_insert AFTER INSERT ON measurement
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION measurement_user_exists();--> statement-breakpoint
CREATE TRIGGER measurement_user_update AFTER UPDATE ON measurement
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION measurement_user_exists();--> statement-breakpoint
CREATE FUNCTION user_delete_measurements() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  uid uuid;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'users must be deleted at READ COMMITTED (their measurements are deleted by a trigger, which cannot see rows committed after this transaction''s snapshot)'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  -- One index scan per user (a join against the transition table could be planned as a scan of measurement).
  FOR uid IN SELECT id FROM old_rows LOOP
    DELETE FROM measurement WHERE user_id = uid;
  END LOOP;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER user_delete_measurements AFTER DELETE ON "user"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION user_delete_measurements();--> statement-breakpoint
CREATE FUNCTION user_id_keeps_measurements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM measurement WHERE user_id = OLD.id) THEN
    RAISE EXCEPTION 'update on table "user" violates foreign key constraint "measurement_user_id_user_id_fk" on table "measurement"'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'measurement_user_id_user_id_fk', TABLE = 'user',
        DETAIL = format('Key (id)=(%s) is still referenced from table "measurement".', OLD.id);
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER user_id_keeps_measurements BEFORE UPDATE OF id ON "user"
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION user_id_keeps_measurements();--> statement-breakpoint
CREATE FUNCTION user_truncate_measurements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE measurement;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER user_truncate_measurements BEFORE TRUNCATE ON "user"
  FOR EACH STATEMENT EXECUTE FUNCTION user_truncate_measurements();
