-- Spilled partial rows, a batch to a row, kept as the JSON text the worker sent. A row per partial
-- row (jsonb, indexed) took 232 ms of writes for 100,000 partial rows on a 2-core machine; 20
-- batches of text take 5–8 ms, and the combine parses the JSON once as it reads (30 ms against 15).
-- Spills in flight while this runs are lost, as in a crash (the table is unlogged): those queries fail.
-- Params: none.
DROP TABLE pgfan.partial_rows;

CREATE UNLOGGED TABLE pgfan.partial_batches (
  query_id   uuid    NOT NULL,
  generation integer NOT NULL,
  fragment   integer NOT NULL,
  token      text    NOT NULL,
  -- A JSON array of partial rows, each an array of text values. Read once: not worth compressing.
  batch      text    NOT NULL
);
ALTER TABLE pgfan.partial_batches ALTER COLUMN batch SET STORAGE EXTERNAL;
CREATE INDEX partial_batches_fragment ON pgfan.partial_batches (query_id, generation, fragment);

CREATE OR REPLACE FUNCTION pgfan_spill.partial_rows(query_id uuid, generation integer, token text) RETURNS SETOF jsonb
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r FROM pgfan.partial_batches p, jsonb_array_elements(p.batch::jsonb) AS r
   WHERE p.query_id = $1 AND p.generation = $2 AND p.token = $3 AND $3 <> ''
$$;
