-- Functions that change the session calling them, as a database's own definitions may: settings
-- for the rest of the session (set_config(…, false), SET SESSION) and a session advisory lock.
-- Tests run them through every route users' SQL takes and check the next user sees none of it.
CREATE FUNCTION dirty() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('TimeZone', 'Asia/Tokyo', false);
  PERFORM set_config('DateStyle', 'German', false);
  PERFORM set_config('extra_float_digits', '-3', false);
  PERFORM set_config('search_path', 'pg_catalog', false);
  SET SESSION intervalstyle = 'sql_standard';
  PERFORM pg_advisory_lock(4242);
  RETURN 1;
END $$;
-- Immutable, as a function may claim to be: PostgreSQL folds it while planning.
CREATE FUNCTION dirty_folded(x int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN RETURN x + dirty() - 1; END $$;
-- Immutable too, so that a query using it splits and it runs in the combine.
CREATE FUNCTION dirty_of(x bigint) RETURNS bigint IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN RETURN x + dirty() - 1; END $$;
