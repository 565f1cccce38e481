-- Queries the API runs as written that started longer ago than the grace: the reaper checks that their statement still runs.
-- Params: $1 grace ms.
SELECT id, generation FROM pgfan.queries
 WHERE status = 'running' AND coordinator = 'api' AND plan_internal->>'mode' = 'as-written'
   AND started_at < clock_timestamp() - make_interval(secs => $1 / 1000.0)
