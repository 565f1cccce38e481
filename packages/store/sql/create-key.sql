-- Stores a new API key's digest under its name.
-- Params: $1 name; $2 SHA-256 digest; $3 admin.
INSERT INTO pgfan.api_keys (name, key_sha256, admin) VALUES ($1, $2, $3)
