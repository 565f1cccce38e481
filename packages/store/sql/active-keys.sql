-- Returns every API key not revoked: its name, whether it is an admin's, and its SHA-256 digest.
-- Params: none.
SELECT name, admin, key_sha256 FROM pgfan.api_keys WHERE revoked_at IS NULL
