-- Returns a query's status (and its generation); no row for an unknown query.
-- Params: $1 id.
SELECT status, generation FROM pgfan.queries WHERE id = $1
