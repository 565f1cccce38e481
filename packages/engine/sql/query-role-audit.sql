-- Returns what the current role may do beyond reading what it was given, one row per finding
-- (kind, what): none for a role fit to run users' queries. A superuser is that alone.
-- Params: none.
WITH me AS (SELECT * FROM pg_roles WHERE rolname = current_user),
user_relations AS (
  SELECT c.oid, c.relowner
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
     AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
)
SELECT 'superuser' AS kind, current_user::text AS what FROM me WHERE rolsuper
UNION ALL
SELECT kind, what FROM (
  SELECT 'attribute', 'BYPASSRLS' FROM me WHERE rolbypassrls
  UNION ALL SELECT 'attribute', 'CREATEROLE' FROM me WHERE rolcreaterole
  UNION ALL SELECT 'attribute', 'CREATEDB' FROM me WHERE rolcreatedb
  UNION ALL SELECT 'attribute', 'REPLICATION' FROM me WHERE rolreplication
  UNION ALL
  SELECT 'member', r.rolname::text FROM pg_roles r
   WHERE r.rolname IN ('pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program', 'pg_signal_backend',
                       'pg_read_all_data', 'pg_write_all_data', 'pg_read_all_stats', 'pg_monitor', 'pg_read_all_settings', 'pg_checkpoint')
     AND pg_has_role(current_user, r.oid, 'USAGE')
  UNION ALL
  SELECT 'database', current_database()::text FROM pg_database d
   WHERE d.datname = current_database() AND (pg_has_role(current_user, d.datdba, 'USAGE') OR has_database_privilege(d.oid, 'CREATE'))
  UNION ALL
  SELECT 'schema', n.nspname::text FROM pg_namespace n
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
     AND (has_schema_privilege(n.oid, 'CREATE') OR pg_has_role(current_user, n.nspowner, 'USAGE'))
  UNION ALL
  SELECT 'write', r.oid::regclass::text FROM user_relations r
   WHERE pg_has_role(current_user, r.relowner, 'USAGE')
      OR has_table_privilege(r.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
      OR has_any_column_privilege(r.oid, 'INSERT, UPDATE')
  UNION ALL
  SELECT 'history', n.nspname::text FROM pg_namespace n WHERE n.nspname = 'pgfan' AND has_schema_privilege(n.oid, 'USAGE')
) found(kind, what)
WHERE NOT (SELECT rolsuper FROM me)
ORDER BY 1, 2
