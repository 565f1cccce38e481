-- Query history: one row per submitted query, with its plan, progress, result and timings.
-- Params: none.
CREATE TABLE pgfan.queries (
  id                   uuid PRIMARY KEY,
  sql                  text NOT NULL,
  status               text NOT NULL CHECK (status IN ('queued', 'running', 'combining', 'completed', 'failed', 'cancelled')),
  -- Bumped each time the query starts over on a fresh snapshot; work of older generations is ignored.
  generation           integer NOT NULL DEFAULT 0,
  partitions_requested integer,
  timeout_ms           integer NOT NULL,
  deadline             timestamptz NOT NULL,
  plan                 jsonb,
  -- The planner's own plan (fragments, combine template), which the workers execute.
  plan_internal        jsonb NOT NULL,
  fragments            jsonb NOT NULL DEFAULT '[]',
  result               jsonb,
  error                jsonb,
  submitted_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at           timestamptz,
  finished_at          timestamptz,
  plan_ms              double precision NOT NULL,
  execute_ms           double precision,
  combine_ms           double precision
);

CREATE INDEX queries_newest ON pgfan.queries (submitted_at DESC, id DESC);
CREATE INDEX queries_unfinished ON pgfan.queries (deadline) WHERE status IN ('queued', 'running', 'combining');

-- Partial rows too large to pass through Redis, one row per partial row. Unlogged: they live
-- only until the combine has read them, and a crash loses only queries that fail anyway.
CREATE UNLOGGED TABLE pgfan.partial_rows (
  query_id   uuid NOT NULL,
  generation integer NOT NULL,
  fragment   integer NOT NULL,
  vals       jsonb NOT NULL
);

CREATE INDEX partial_rows_fragment ON pgfan.partial_rows (query_id, generation, fragment);
