-- Returns the stored pages of a query's result from one page to another, in order.
-- Params: $1 id; $2 first page; $3 last page.
SELECT page, rows FROM pgfan.result_pages WHERE query_id = $1 AND page BETWEEN $2 AND $3 ORDER BY page
