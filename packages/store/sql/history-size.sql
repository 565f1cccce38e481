-- Returns how many records the history holds, and their bytes (records and results, as JSON text).
-- Params: none.
SELECT count(*) AS records, coalesce(sum(stored_bytes), 0) AS bytes FROM pgfan.queries
