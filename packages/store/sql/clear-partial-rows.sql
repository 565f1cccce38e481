-- Removes the spilled partial rows of one fragment of a query, or of all its fragments.
-- Params: $1 query id; $2 fragment, or null for all.
DELETE FROM pgfan.partial_batches WHERE query_id = $1 AND ($2::int IS NULL OR fragment = $2)
