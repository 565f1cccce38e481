-- Finishes an unfinished query's generation (any, for a null one), keeping its result apart; returns the finished summary, or no row.
-- Params: $1 id; $2 generation, or null; $3 status; $4 result; $5 error; $6 fragments, or null; $7 combine SQL, or null; $8 execute ms; $9 combine ms; $10 row count; $11 bytes added; $12 the plan's cut, or null; $13 every row in pages (a JSON array of them), or null.
WITH finished AS (
  UPDATE pgfan.queries SET
    status = $3, error = $5, row_count = $10,
    fragments = coalesce($6::jsonb, fragments),
    plan = CASE WHEN $7::text IS NULL THEN plan ELSE jsonb_set(plan, '{combineSql}', to_jsonb($7::text)) END
           || jsonb_strip_nulls(jsonb_build_object('cut', $12::jsonb)),
    execute_ms = coalesce($8, execute_ms), combine_ms = coalesce($9, combine_ms),
    stored_bytes = stored_bytes + $11,
    finished_at = clock_timestamp()
  WHERE id = $1 AND ($2::int IS NULL OR generation = $2) AND status IN ('queued', 'running', 'combining')
  RETURNING id, sql, status, generation, coordinator, partitions_requested, timeout_ms, deadline, plan, fragments, error,
            submitted_at, started_at, finished_at, plan_ms, execute_ms, combine_ms, row_count
), stored AS (
  INSERT INTO pgfan.query_results (query_id, result) SELECT id, $4::jsonb FROM finished WHERE $4::jsonb IS NOT NULL
), paged AS (
  INSERT INTO pgfan.result_pages (query_id, page, rows)
  SELECT f.id, p.page - 1, p.rows FROM finished f, jsonb_array_elements($13::jsonb) WITH ORDINALITY AS p(rows, page)
)
SELECT * FROM finished
