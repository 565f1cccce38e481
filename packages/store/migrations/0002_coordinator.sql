-- The worker coordinating the query's current generation (holding its snapshot).
-- Params: none.
ALTER TABLE pgfan.queries ADD COLUMN coordinator text;
