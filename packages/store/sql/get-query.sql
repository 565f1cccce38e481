-- Returns a query's record with its result, if it is the client's (or any client's, for a null one).
-- Params: $1 id; $2 client, or null.
SELECT q.*, r.result
  FROM pgfan.queries q LEFT JOIN pgfan.query_results r ON r.query_id = q.id
 WHERE q.id = $1 AND ($2::text IS NULL OR q.client = $2)
