-- slow(x, ms): sleeps ms milliseconds per row and returns x, for tests that need a query still running. STABLE is a promise the planner trusts, so a query calling it still splits.
-- Params: none.
CREATE FUNCTION slow(x bigint, ms int) RETURNS bigint STABLE LANGUAGE sql AS $$ SELECT x FROM pg_sleep(ms / 1000.0) $$;
