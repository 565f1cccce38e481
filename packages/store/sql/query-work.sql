-- Returns what a worker needs to run a query.
-- Params: $1 id.
SELECT status, generation, plan_internal, deadline, timeout_ms, started_at, preview_only FROM pgfan.queries WHERE id = $1
