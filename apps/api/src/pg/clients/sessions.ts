/**
 * What BI tools send when they connect and browse, as their drivers send it: Metabase and DBeaver
 * through pgjdbc (the extended protocol), Superset through SQLAlchemy and psycopg2 (the simple
 * one). Written from their drivers' and tools' source (pgjdbc's PgDatabaseMetaData, Metabase's
 * postgres driver, DBeaver's PostgreSQL plugin, SQLAlchemy's postgresql dialect); each ends with
 * the kind of query the tool then runs. The last statement before it, `SET pgfan.partitions`, is
 * what a user adds to the tool's connection settings to ask for a fan-out (Metabase: "Additional
 * JDBC connection string options", options=-c pgfan.partitions=2, has the same effect).
 */
export interface RecordedSession {
  tool: string;
  protocol: 'simple' | 'extended';
  statements: string[];
  /** The statement that must be fanned out. */
  fannedOut: string;
}

const KEYWORDS_SQL =
  "select string_agg(word, ',') from pg_catalog.pg_get_keywords() where word <> ALL ('{a,abs,absolute,action,add,all,alter,and,any,array,as,asc,between,by,case,cast,check,column,create,current_date,default,delete,desc,distinct,drop,else,end,exists,false,from,full,group,having,in,inner,insert,into,is,join,left,like,limit,not,null,on,or,order,outer,right,select,set,table,then,true,union,update,values,when,where,with}'::text[])";

export const RECORDED_SESSIONS: RecordedSession[] = [
  {
    tool: 'Metabase',
    protocol: 'extended',
    statements: [
      'SET extra_float_digits = 3',
      "SET application_name = 'Metabase v0.50.0 [6f3c7c2b-4a8e-4f6e-9e47-0c3d6a6c9f11]'",
      'SHOW TRANSACTION ISOLATION LEVEL',
      'SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED',
      'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY',
      'SELECT 1',
      "SELECT nspname AS TABLE_SCHEM, NULL AS TABLE_CATALOG FROM pg_catalog.pg_namespace WHERE nspname <> 'pg_toast' AND (nspname !~ '^pg_temp_' OR nspname = (pg_catalog.current_schemas(true))[1]) AND (nspname !~ '^pg_toast_temp_' OR nspname = replace((pg_catalog.current_schemas(true))[1], 'pg_temp_', 'pg_toast_temp_')) ORDER BY TABLE_SCHEM",
      "SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, c.relname AS TABLE_NAME, CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema' WHEN true THEN CASE WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind WHEN 'r' THEN 'SYSTEM TABLE' WHEN 'v' THEN 'SYSTEM VIEW' WHEN 'i' THEN 'SYSTEM INDEX' ELSE NULL END WHEN n.nspname = 'pg_toast' THEN CASE c.relkind WHEN 'r' THEN 'SYSTEM TOAST TABLE' WHEN 'i' THEN 'SYSTEM TOAST INDEX' ELSE NULL END ELSE CASE c.relkind WHEN 'r' THEN 'TEMPORARY TABLE' WHEN 'p' THEN 'TEMPORARY TABLE' WHEN 'i' THEN 'TEMPORARY INDEX' WHEN 'S' THEN 'TEMPORARY SEQUENCE' WHEN 'v' THEN 'TEMPORARY VIEW' ELSE NULL END END WHEN false THEN CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'i' THEN 'INDEX' WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'c' THEN 'TYPE' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END ELSE NULL END AS TABLE_TYPE, d.description AS REMARKS FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0 AND d.classoid = 'pg_class'::regclass) WHERE c.relnamespace = n.oid AND n.nspname LIKE 'public' AND (c.relkind IN ('r', 'p', 'v', 'f', 'm')) ORDER BY TABLE_TYPE, TABLE_SCHEM, TABLE_NAME",
      "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = 'events' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      'SET pgfan.partitions = 2',
      'SELECT "public"."events"."country" AS "country", count(*) AS "count", sum("public"."events"."revenue") AS "sum" FROM "public"."events" GROUP BY "public"."events"."country" ORDER BY "public"."events"."country" COLLATE "C" ASC',
    ],
    fannedOut:
      'SELECT "public"."events"."country" AS "country", count(*) AS "count", sum("public"."events"."revenue") AS "sum" FROM "public"."events" GROUP BY "public"."events"."country" ORDER BY "public"."events"."country" COLLATE "C" ASC',
  },
  {
    tool: 'DBeaver',
    protocol: 'extended',
    statements: [
      "SET application_name = 'DBeaver 24.1.0 - Main <pgfan>'",
      'SELECT current_schema(),session_user',
      "SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass ORDER BY nspname",
      "SELECT t.oid,t.typname,t.typnamespace,t.typtype,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name, d.description FROM pg_catalog.pg_type t LEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid WHERE t.typname IS NOT NULL AND (c.relkind IS NULL OR c.relkind = 'c') AND (et.typcategory IS NULL OR et.typcategory <> 'C') ORDER BY t.oid",
      "select * from pg_catalog.pg_settings where name='standard_conforming_strings'",
      KEYWORDS_SQL,
      'SHOW search_path',
      "SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description FROM pg_catalog.pg_class c LEFT OUTER JOIN pg_catalog.pg_class t ON t.oid=c.reltoastrelid LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.relrewrite LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass WHERE c.relnamespace='public'::regnamespace AND c.relkind not in ('i','I','c') ORDER BY c.relname",
      'SET pgfan.partitions = 2',
      'SELECT device, count(*), avg(duration) FROM public.events GROUP BY device ORDER BY device NULLS FIRST',
    ],
    fannedOut: 'SELECT device, count(*), avg(duration) FROM public.events GROUP BY device ORDER BY device NULLS FIRST',
  },
  {
    tool: 'Superset',
    protocol: 'simple',
    statements: [
      'select pg_catalog.version()',
      'select current_schema()',
      'show standard_conforming_strings',
      "select relname from pg_class c join pg_namespace n on n.oid=c.relnamespace where pg_catalog.pg_table_is_visible(c.oid) and relname='events'",
      "SELECT t.oid, typarray FROM pg_type t JOIN pg_namespace ns ON typnamespace = ns.oid WHERE typname = 'hstore'",
      'SET pgfan.partitions = 2',
      'SELECT country AS country, count(*) AS count FROM public.events GROUP BY country ORDER BY count DESC, country COLLATE "C" LIMIT 100',
    ],
    fannedOut: 'SELECT country AS country, count(*) AS count FROM public.events GROUP BY country ORDER BY count DESC, country COLLATE "C" LIMIT 100',
  },
];
