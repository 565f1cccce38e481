-- Cancels an unfinished query of the client's (any client's, for a null one); returns how it stands: cancelled, finished or nothing (no such query).
-- Params: $1 id; $2 client, or null.
WITH cancelled AS (
  UPDATE pgfan.queries SET status = 'cancelled', finished_at = clock_timestamp(),
         error = '{"code": "CANCELLED", "message": "the query was cancelled"}'
   WHERE id = $1 AND ($2::text IS NULL OR client = $2) AND status IN ('queued', 'running', 'combining')
  RETURNING 1
)
SELECT CASE WHEN EXISTS (SELECT 1 FROM cancelled) THEN 'cancelled' ELSE 'finished' END AS outcome
  FROM pgfan.queries WHERE id = $1 AND ($2::text IS NULL OR client = $2)
