-- Results live apart from the records: a record stays small however large its result, so the
-- history lists without reading any result, and every record knows its size (stored_bytes: its
-- text as JSON, before PostgreSQL compresses it), by which workers bound the history
-- (HISTORY_MAX_BYTES) as well as by age.
-- Params: none.
CREATE TABLE pgfan.query_results (
  query_id uuid PRIMARY KEY REFERENCES pgfan.queries (id) ON DELETE CASCADE,
  result   jsonb NOT NULL
);
INSERT INTO pgfan.query_results (query_id, result) SELECT id, result FROM pgfan.queries WHERE result IS NOT NULL;

ALTER TABLE pgfan.queries ADD COLUMN row_count integer, ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0;
UPDATE pgfan.queries
   SET row_count = (result->>'rowCount')::int,
       stored_bytes = octet_length(sql) + octet_length(plan_internal::text) + octet_length(fragments::text)
                    + coalesce(octet_length(plan::text), 0) + coalesce(octet_length(result::text), 0) + coalesce(octet_length(error::text), 0);
ALTER TABLE pgfan.queries DROP COLUMN result;
