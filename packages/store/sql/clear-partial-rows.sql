-- Removes the partial rows of one fragment of a query, or of all its fragments: spilled batches, and stored tables with their registrations.
-- Params: $1 query id; $2 fragment, or null for all.
SELECT pgfan.clear_partials($1, $2)
