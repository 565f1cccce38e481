-- Fails unfinished queries whose deadline passed longer ago than the grace; returns each with its error and total time.
-- Params: $1 grace ms.
UPDATE pgfan.queries SET status = 'failed', finished_at = clock_timestamp(),
       error = jsonb_build_object('code', 'TIMEOUT', 'message',
         format('the query did not finish within its %s ms deadline, and nothing was left to end it (its coordinator, workers or Redis were lost)', timeout_ms))
 WHERE status IN ('queued', 'running', 'combining') AND deadline < clock_timestamp() - make_interval(secs => $1 / 1000.0)
RETURNING id, error, extract(epoch FROM finished_at - submitted_at)::float8 * 1000 AS total_ms
