-- Records a planned query if the caps on unfinished queries admit it; returns the counts it was judged by and whether it was inserted (1 or 0).
-- Params: $1 id; $2 sql; $3 partitions requested; $4 timeout ms; $5 plan record; $6 planner plan; $7 fragments; $8 plan ms; $9 runner (null: queued, else running under it); $10 client; $11 cap for everyone (0: none); $12 cap for the client (0: none); $13 bytes stored; $14 preview only.
WITH counts AS (
  SELECT c.active, c.client_active FROM pgfan.unfinished_counts($10::text) AS c WHERE $11::int > 0 OR $12::int > 0
  UNION ALL SELECT 0, 0 WHERE $11::int = 0 AND $12::int = 0
), inserted AS (
  INSERT INTO pgfan.queries (id, sql, status, partitions_requested, timeout_ms, deadline, plan, plan_internal, fragments, plan_ms, generation, coordinator, started_at, client, stored_bytes, preview_only)
  SELECT $1, $2, CASE WHEN $9::text IS NULL THEN 'queued' ELSE 'running' END, $3, $4::int, clock_timestamp() + make_interval(secs => $4::int / 1000.0),
         $5, $6, $7, $8, CASE WHEN $9::text IS NULL THEN 0 ELSE 1 END, $9::text, CASE WHEN $9::text IS NULL THEN NULL ELSE clock_timestamp() END, $10::text,
         $13, $14
    FROM counts
   WHERE ($11::int = 0 OR counts.active < $11::int) AND ($12::int = 0 OR counts.client_active < $12::int)
  RETURNING 1
)
SELECT active, client_active, (SELECT count(*) FROM inserted) AS inserted FROM counts
