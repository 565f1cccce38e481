-- Starts the next generation of a queued or running query if it is still at the one given; returns what it runs.
-- Params: $1 id; $2 the generation it is at; $3 the coordinator.
UPDATE pgfan.queries
   SET generation = generation + 1, status = 'running', coordinator = $3, started_at = coalesce(started_at, clock_timestamp())
 WHERE id = $1 AND generation = $2 AND status IN ('queued', 'running')
RETURNING status, generation, plan_internal, deadline, timeout_ms, started_at, preview_only
