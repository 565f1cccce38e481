-- Fixture tables for differential tests: every value shape the planner must get exactly right.
-- Deterministic (no random()), so a failing case reproduces. Loaded once into a template database.

-- Web-analytics events. Text sorts differently under the database's ICU collation than by code
-- point; floats are multiples of 1/16 so their sums are exact in any order; numerics mix scales;
-- int8 values are huge and negative; NULLs everywhere; a run of deleted rows leaves empty pages.
CREATE TABLE events (
  id         bigint PRIMARY KEY,
  ts         timestamptz NOT NULL,
  day        date,
  user_id    integer,
  country    text,
  country_c  text COLLATE "C",
  device     text,
  tag        varchar(10),
  duration   double precision,
  ratio      double precision,
  score      real,
  revenue    numeric(12, 2),
  price      numeric,
  big        bigint,
  small      smallint,
  flags      integer,
  is_bot     boolean,
  spent      interval
);

INSERT INTO events
SELECT i,
       timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => (i * 7919) % (86400 * 120)),
       date '2024-01-01' + (i * 31) % 120,
       CASE WHEN i % 13 = 0 THEN NULL ELSE (i * 7919) % 400 END,
       (ARRAY['US', 'ab', 'Ab', 'b', 'é', 'e', 'Z', 'de', 'Äland', NULL])[1 + (i * 17) % 10],
       (ARRAY['US', 'ab', 'Ab', 'b', 'é', 'e', 'Z', 'de', 'Äland', NULL])[1 + (i * 17) % 10],
       CASE WHEN i % 3 = 0 THEN NULL ELSE (ARRAY['mobile', 'desktop', 'Tablet', 'tv'])[1 + i % 4] END,
       'tag-' || (i % 37),
       CASE WHEN i % 11 = 0 THEN NULL ELSE ((i * 37) % 4001 - 2000) / 16.0 END,
       CASE WHEN i % 7 = 0 THEN NULL ELSE i * 0.1 + 0.001 END,
       ((i * 13) % 1000) / 8.0,
       CASE WHEN i % 17 = 0 THEN NULL ELSE ((i * 7907) % 100000 - 30000) / 100.0 END,
       CASE WHEN i % 19 = 0 THEN NULL ELSE ((i * 97) % 10007)::numeric / power(10::numeric, i % 5) END,
       ((i::numeric * 982451653) % 9000000000000000000 - 4500000000000000000)::bigint,
       ((i * 7) % 200 - 100)::smallint,
       i % 16,
       CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 = 0 END,
       make_interval(secs => (i * 61) % 5000)
FROM generate_series(1, 8000) AS i;

-- A run of deleted rows: their pages stay, empty of live rows.
DELETE FROM events WHERE id BETWEEN 2500 AND 3700;

CREATE TABLE empty_events (LIKE events INCLUDING ALL);

CREATE TABLE single_event (LIKE events INCLUDING ALL);
INSERT INTO single_event SELECT * FROM events WHERE id = 42;

-- Mostly NULL.
CREATE TABLE sparse (
  id     integer PRIMARY KEY,
  g      text,
  n      integer,
  x      double precision,
  amount numeric,
  flag   boolean
);
INSERT INTO sparse
SELECT i,
       CASE WHEN i % 4 = 0 THEN 'g' || (i % 3) END,
       CASE WHEN i % 9 = 0 THEN i END,
       CASE WHEN i % 10 = 0 THEN i / 4.0 END,
       CASE WHEN i % 8 = 0 THEN i / 3.0 END,
       CASE WHEN i % 6 = 0 THEN i % 12 = 0 END
FROM generate_series(1, 3000) AS i;

-- TPC-H lineitem, small.
CREATE TABLE lineitem (
  l_orderkey      bigint NOT NULL,
  l_partkey       integer NOT NULL,
  l_suppkey       integer NOT NULL,
  l_linenumber    integer NOT NULL,
  l_quantity      numeric(15, 2) NOT NULL,
  l_extendedprice numeric(15, 2) NOT NULL,
  l_discount      numeric(15, 2) NOT NULL,
  l_tax           numeric(15, 2) NOT NULL,
  l_returnflag    char(1) NOT NULL,
  l_linestatus    char(1) NOT NULL,
  l_shipdate      date NOT NULL,
  l_commitdate    date NOT NULL,
  l_receiptdate   date NOT NULL,
  l_shipinstruct  char(25) NOT NULL,
  l_shipmode      char(10) NOT NULL,
  l_comment       varchar(44) NOT NULL,
  PRIMARY KEY (l_orderkey, l_linenumber)
);
INSERT INTO lineitem
SELECT 1 + i / 4,
       1 + (i * 7) % 2000,
       1 + (i * 11) % 100,
       1 + i % 4,
       1 + (i * 13) % 50,
       round(((1 + (i * 13) % 50) * (900 + (i * 7) % 2000 / 10.0))::numeric, 2),
       ((i * 3) % 11) / 100.0,
       ((i * 5) % 9) / 100.0,
       (ARRAY['A', 'N', 'R'])[1 + i % 3],
       (ARRAY['F', 'O'])[1 + (i / 3) % 2],
       date '1992-01-01' + (i * 37) % 2500,
       date '1992-01-31' + (i * 37) % 2500,
       date '1992-01-05' + (i * 37) % 2500,
       (ARRAY['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'])[1 + i % 4],
       (ARRAY['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'])[1 + (i * 3) % 7],
       'comment ' || md5(i::text)
FROM generate_series(0, 5999) AS i;

CREATE VIEW bot_events AS SELECT * FROM events WHERE is_bot;

ANALYZE;

-- Names that only survive if every identifier keeps its case: quoted, mixed case, spaces.
CREATE TABLE "Camel Events" ("Id" integer PRIMARY KEY, "Country" text, "Amount" numeric, "lower" integer);
INSERT INTO "Camel Events" SELECT i, (ARRAY['US', 'de', NULL])[1 + i % 3], i / 7.0, i % 5 FROM generate_series(1, 500) AS i;
ANALYZE "Camel Events";

-- Composite, network, JSON and oddly named columns.
CREATE TYPE pair AS (a integer, b text);
CREATE TABLE kinds (
  id   integer PRIMARY KEY,
  p    pair,
  addr inet,
  doc  jsonb,
  "by" integer,
  "a""b" text
);
INSERT INTO kinds
SELECT i,
       CASE WHEN i % 9 = 0 THEN NULL ELSE ROW(i % 7, (ARRAY['Q', 'r', NULL])[1 + i % 3])::pair END,
       CASE WHEN i % 11 = 0 THEN NULL ELSE ('10.' || (i % 4) || '.' || (i % 250) || '.' || (i % 200))::inet END,
       CASE WHEN i % 5 = 0 THEN NULL ELSE jsonb_build_object('v', (i % 13)::text, 'w', i % 3 = 0) END,
       i % 6,
       'x' || (i % 4)
FROM generate_series(1, 2000) AS i;
ANALYZE kinds;
