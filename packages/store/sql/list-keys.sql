-- Returns every API key ever made (never the key): name, admin, when made and revoked, oldest first.
-- Params: none.
SELECT name, admin, created_at, revoked_at FROM pgfan.api_keys ORDER BY created_at, name
