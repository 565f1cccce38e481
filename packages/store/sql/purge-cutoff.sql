-- Returns the newest record past the byte bound, counting newest first (it and every older one go), as text to the microsecond; no row within it.
-- Params: $1 bytes kept.
SELECT submitted_at::text, id FROM (
  SELECT submitted_at, id, sum(stored_bytes) OVER (ORDER BY submitted_at DESC, id DESC) AS newer_bytes FROM pgfan.queries
) newest_first
 WHERE newer_bytes > $1
 ORDER BY submitted_at DESC, id DESC
 LIMIT 1
