-- Appends a fragment's spilled partial rows (a JSON array of rows, each an array of text values) under its generation's token.
-- Params: $1 query id; $2 generation; $3 fragment; $4 spill token; $5 the rows.
INSERT INTO pgfan.partial_rows (query_id, generation, fragment, token, vals)
SELECT $1, $2, $3, $4, r FROM jsonb_array_elements($5::jsonb) AS r
