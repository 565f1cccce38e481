-- Deletes, oldest first, a batch of finished records submitted before the age bound or at or before the byte bound's cutoff, skipping any another process holds.
-- Params: $1 age ms (0: none); $2 and $3 the cutoff's submitted_at and id, or nulls; $4 batch size.
DELETE FROM pgfan.queries WHERE id IN (
  SELECT id FROM pgfan.queries
   WHERE status NOT IN ('queued', 'running', 'combining')
     AND (($1::float8 > 0 AND submitted_at < clock_timestamp() - make_interval(secs => $1 / 1000.0))
          OR (submitted_at, id) <= ($2::timestamptz, $3::uuid))
   ORDER BY submitted_at
   LIMIT $4
   FOR UPDATE SKIP LOCKED)
