-- Partial rows a fan-out's fragments store in binary: each fragment's rows, as COPY … (FORMAT
-- binary) wrote them, go unread by any worker into an unlogged table of their own types,
-- pgfan."partials/<query>/<generation>/<fragment>", registered here with the generation's spill
-- token. The combine runs as the query role, which cannot read schema pgfan; it reads them
-- through pgfan_spill.partial_tuples, which gives a generation's rows only for its token.
-- Params: none.
CREATE TABLE pgfan.partial_tables (
  query_id   uuid    NOT NULL,
  generation integer NOT NULL,
  fragment   integer NOT NULL,
  token      text    NOT NULL,
  PRIMARY KEY (query_id, generation, fragment)
);

-- The name of a fragment's table in schema pgfan (at most 36 + 2 × 11 + 11 characters, under 63).
CREATE FUNCTION pgfan.partial_table(query_id uuid, generation integer, fragment integer) RETURNS text
  LANGUAGE sql IMMUTABLE
AS $$ SELECT format('partials/%s/%s/%s', $1, $2, $3) $$;

-- Every stored partial row of one generation, typed by the caller's column list
-- (`AS u(k0 text, a0_count bigint)`), fragment after fragment. RETURN QUERY checks the tables'
-- types against that list.
CREATE FUNCTION pgfan_spill.partial_tuples(p_query uuid, p_generation integer, p_token text) RETURNS SETOF record
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f integer;
BEGIN
  IF p_token = '' THEN
    RETURN;
  END IF;
  FOR f IN
    SELECT t.fragment FROM pgfan.partial_tables t
     WHERE t.query_id = p_query AND t.generation = p_generation AND t.token = p_token
     ORDER BY t.fragment
  LOOP
    RETURN QUERY EXECUTE format('SELECT * FROM pgfan.%I', pgfan.partial_table(p_query, p_generation, f));
  END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION pgfan_spill.partial_tuples(uuid, integer, text) TO PUBLIC;

-- Makes a fragment's table, empty, with the types its rows have (`format_type` of each type and
-- modifier, schema-qualified under this search_path), and registers it under the generation's
-- token. A retry's table replaces the one its failed attempt left. Returns the table's name,
-- qualified and quoted, for COPY.
CREATE FUNCTION pgfan.create_partial_table(p_query uuid, p_generation integer, p_fragment integer, p_token text, p_types oid[], p_typmods integer[])
  RETURNS text
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  qualified text := format('pgfan.%I', pgfan.partial_table(p_query, p_generation, p_fragment));
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS %s', qualified);
  EXECUTE format('CREATE UNLOGGED TABLE %s (%s)', qualified, (
    SELECT string_agg(format('c%s %s', u.i, format_type(u.t, u.m)), ', ' ORDER BY u.i)
      FROM unnest(p_types, p_typmods) WITH ORDINALITY AS u(t, m, i)));
  INSERT INTO pgfan.partial_tables (query_id, generation, fragment, token) VALUES (p_query, p_generation, p_fragment, p_token)
    ON CONFLICT (query_id, generation, fragment) DO UPDATE SET token = excluded.token;
  RETURN qualified;
END
$$;

-- Removes a query's partial rows, spilled or stored: one fragment's (before a retry writes them
-- again), or all of them.
CREATE FUNCTION pgfan.clear_partials(p_query uuid, p_fragment integer) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t record;
BEGIN
  DELETE FROM pgfan.partial_batches WHERE query_id = p_query AND (p_fragment IS NULL OR fragment = p_fragment);
  FOR t IN
    DELETE FROM pgfan.partial_tables
     WHERE query_id = p_query AND (p_fragment IS NULL OR fragment = p_fragment)
    RETURNING generation, fragment
  LOOP
    EXECUTE format('DROP TABLE IF EXISTS pgfan.%I', pgfan.partial_table(p_query, t.generation, t.fragment));
  END LOOP;
END
$$;
