-- Returns every API key not revoked: its name, whether it is an admin's, its SHA-256 digest and its SCRAM verifier (null for keys made before verifiers were kept).
-- Params: none.
SELECT name, admin, key_sha256, scram_stored_key, scram_server_key FROM pgfan.api_keys WHERE revoked_at IS NULL
