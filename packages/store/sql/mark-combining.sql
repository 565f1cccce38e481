-- Moves a running generation to combining (one already combining stays: a retried combine); no row when it is not current.
-- Params: $1 id; $2 generation.
UPDATE pgfan.queries SET status = 'combining' WHERE id = $1 AND generation = $2 AND status IN ('running', 'combining')
