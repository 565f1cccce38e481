-- Counts the unfinished queries, all clients' and one client's, for admission (insertQuery).
-- By index scan, never a bitmap scan: a finished query leaves a dead entry in the partial
-- indexes until a vacuum, and an index scan marks each one dead as it passes it, so it is read
-- once; a bitmap scan marks none, and the planner picks one as soon as the statistics say many
-- queries are unfinished. Every admission then read again the record of every query finished
-- since the last vacuum (3.3 ms of each 4.6 ms headline query after 7,500 queries, on a
-- database without autovacuum), and the cost grew with the history.
-- Params: $1 the client to count separately (null counts none).
CREATE FUNCTION pgfan.unfinished_counts(for_client text, OUT active bigint, OUT client_active bigint)
  LANGUAGE sql STABLE
  SET enable_bitmapscan = off
  SET enable_seqscan = off
AS $$
  SELECT count(*), count(*) FILTER (WHERE client = for_client)
    FROM pgfan.queries
   WHERE status IN ('queued', 'running', 'combining')
$$;
