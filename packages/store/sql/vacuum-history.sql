-- Vacuums the history's tables, skipping any another session is vacuuming.
-- Params: none.
VACUUM (SKIP_LOCKED) pgfan.queries, pgfan.query_results, pgfan.partial_batches
