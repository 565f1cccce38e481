-- Appends a batch of a fragment's spilled partial rows (a JSON array of rows, each an array of text values) under its generation's token.
-- Params: $1 query id; $2 generation; $3 fragment; $4 spill token; $5 the rows.
INSERT INTO pgfan.partial_batches (query_id, generation, fragment, token, batch) VALUES ($1, $2, $3, $4, $5)
