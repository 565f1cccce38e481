-- SCRAM-SHA-256 verifiers of API keys, so that a key is also a password on pgfan's PostgreSQL port
-- without the key being kept. Null for keys made before: they authenticate over HTTP only.
ALTER TABLE pgfan.api_keys ADD COLUMN scram_stored_key text, ADD COLUMN scram_server_key text;
