-- Spilled partial rows, for combines. A combine runs as the role users' queries run as, which
-- cannot read schema pgfan (its records hold every user's SQL and results). It reads its own
-- query's rows through this function, which runs as the history's owner and hands out the rows of
-- one query generation only to a caller that knows that generation's spill token: a random value
-- that only its fragment and combine jobs carry.
-- Params: none.
ALTER TABLE pgfan.partial_rows ADD COLUMN token text NOT NULL DEFAULT '';

CREATE SCHEMA IF NOT EXISTS pgfan_spill;
GRANT USAGE ON SCHEMA pgfan_spill TO PUBLIC;

CREATE FUNCTION pgfan_spill.partial_rows(query_id uuid, generation integer, token text) RETURNS SETOF jsonb
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p.vals FROM pgfan.partial_rows p
   WHERE p.query_id = $1 AND p.generation = $2 AND p.token = $3 AND $3 <> ''
$$;
GRANT EXECUTE ON FUNCTION pgfan_spill.partial_rows(uuid, integer, text) TO PUBLIC;
