-- Admin keys see and cancel every query and may use Bull Board's actions; the others only their
-- own queries. Listing one client's history, newest first, is by index.
-- Params: none.
ALTER TABLE pgfan.api_keys ADD COLUMN admin boolean NOT NULL DEFAULT false;

CREATE INDEX queries_by_client ON pgfan.queries (client, submitted_at DESC, id DESC);
