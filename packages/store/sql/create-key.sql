-- Stores a new API key's digest and SCRAM verifier under its name.
-- Params: $1 name; $2 SHA-256 digest; $3 admin; $4 SCRAM StoredKey (base64); $5 SCRAM ServerKey (base64).
INSERT INTO pgfan.api_keys (name, key_sha256, admin, scram_stored_key, scram_server_key) VALUES ($1, $2, $3, $4, $5)
