-- Returns the SQL name of each (type oid, type modifier) pair, as format_type prints it.
-- Params: $1 oid[]; $2 int4[] of the same length.
SELECT t.oid, t.typmod, format_type(t.oid, t.typmod) AS name
FROM unnest($1::oid[], $2::int4[]) AS t(oid, typmod)
