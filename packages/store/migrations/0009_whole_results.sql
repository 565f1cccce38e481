-- Whole results: every row of a result larger than the record's preview, in pages of rows (JSON
-- arrays of the record's values), readable page by page; and whether the request asked for only
-- a preview of a result past RESULT_MAX_BYTES.
CREATE TABLE pgfan.result_pages (
  query_id uuid    NOT NULL REFERENCES pgfan.queries (id) ON DELETE CASCADE,
  page     integer NOT NULL,
  rows     jsonb   NOT NULL,
  PRIMARY KEY (query_id, page)
);
ALTER TABLE pgfan.queries ADD COLUMN preview_only boolean NOT NULL DEFAULT false;
