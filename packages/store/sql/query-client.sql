-- Returns who submitted a query (a key's name; null without keys); no row for an unknown query.
-- Params: $1 id.
SELECT client FROM pgfan.queries WHERE id = $1
