-- Returns query summaries (no results), newest first, after a position, for one client or all, in one status or all.
-- Params: $1 client, or null; $2 status, or null; $3 and $4 the position's submitted_at and id, or nulls; $5 how many.
SELECT id, sql, status, generation, coordinator, partitions_requested, timeout_ms, deadline, plan, fragments, error,
       submitted_at, started_at, finished_at, plan_ms, execute_ms, combine_ms, row_count
  FROM pgfan.queries
 WHERE ($1::text IS NULL OR client = $1)
   AND ($2::text IS NULL OR status = $2)
   AND ($3::timestamptz IS NULL OR (submitted_at, id) < ($3::timestamptz, $4::uuid))
 ORDER BY submitted_at DESC, id DESC
 LIMIT $5
