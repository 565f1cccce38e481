-- Returns one row: "table" (the relation a name resolves to: kind, current size in pages,
-- estimated rows, columns with their n_distinct statistic, the share of rows their most common values cover and NOT NULL, primary key; null if it does not resolve) and "functions" (per name:
-- whether any function of that name is an aggregate, a window function, volatile, or set-returning).
-- Params: $1 relation name as SQL text (quoted, optionally schema-qualified); $2 text[] function names.
SELECT
  (SELECT json_build_object(
            'schema', n.nspname,
            'name', c.relname,
            'relkind', c.relkind,
            'pages', pg_relation_size(c.oid) / current_setting('block_size')::bigint,
            'estimatedRows', c.reltuples,
            'columns', coalesce((SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'distinct', s.n_distinct, 'notNull', a.attnotnull,
                                                             'commonShare', (SELECT sum(f) FROM unnest(s.most_common_freqs) AS f))
                                           ORDER BY a.attnum)
                                 FROM pg_attribute a
                                 LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname AND NOT s.inherited
                                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'),
            'primaryKey', coalesce((SELECT json_agg(a.attname ORDER BY array_position(i.indkey::int2[], a.attnum))
                                    FROM pg_index i
                                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
                                    WHERE i.indrelid = c.oid AND i.indisprimary), '[]'))
   FROM pg_class c
   JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = to_regclass($1)) AS "table",
  (SELECT coalesce(json_object_agg(f.name, json_build_object('aggregate', f.aggregate, 'window', f.is_window, 'volatile', f.volatile, 'returnsSet', f.returns_set)), '{}')
   FROM (SELECT p.proname AS name,
                bool_or(p.prokind = 'a') AS aggregate,
                bool_or(p.prokind = 'w') AS is_window,
                bool_or(p.provolatile = 'v') AS volatile,
                bool_or(p.proretset) AS returns_set
         FROM pg_proc p
         WHERE p.proname = ANY ($2::text[])
         GROUP BY p.proname) AS f) AS functions
