-- Returns a query's record with its result, if it is the client's (or any client's, for a null one); not the planner's plan, which only workers read.
-- Params: $1 id; $2 client, or null.
SELECT q.id, q.sql, q.status, q.generation, q.coordinator, q.partitions_requested, q.timeout_ms, q.deadline, q.plan, q.fragments, q.error,
       q.submitted_at, q.started_at, q.finished_at, q.plan_ms, q.execute_ms, q.combine_ms, r.result
  FROM pgfan.queries q LEFT JOIN pgfan.query_results r ON r.query_id = q.id
 WHERE q.id = $1 AND ($2::text IS NULL OR q.client = $2)
