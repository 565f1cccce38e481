-- Revokes the active key of a name; one row changed if there was one.
-- Params: $1 name.
UPDATE pgfan.api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL
