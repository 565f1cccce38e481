-- Creates (or recreates) the table a fragment stores its binary partial rows in, and registers it under its generation's spill token; returns its name, qualified and quoted.
-- Params: $1 query id; $2 generation; $3 fragment; $4 spill token; $5 the columns' type oids; $6 their type modifiers.
SELECT pgfan.create_partial_table($1, $2, $3, $4, $5::oid[], $6::int[]) AS name
