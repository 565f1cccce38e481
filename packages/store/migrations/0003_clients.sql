-- Who submitted each query (an API key's name, or null without keys), so the API can cap the
-- queries one client has in flight; and API keys kept in the database, besides API_KEYS.
-- Params: none.
ALTER TABLE pgfan.queries ADD COLUMN client text;

CREATE INDEX queries_unfinished_by_client ON pgfan.queries (client) WHERE status IN ('queued', 'running', 'combining');

-- Only a SHA-256 digest of each key is kept: a copy of the table does not let anyone in.
CREATE TABLE pgfan.api_keys (
  name       text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
  key_sha256 text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
