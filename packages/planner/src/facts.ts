/**
 * What the planner needs to know about the database, handed in as plain data. The engine reads
 * these from the catalog (`pg_class`, `pg_attribute`, `pg_proc`) and from a probe query; the
 * planner never talks to PostgreSQL itself.
 */

export type RelationKind = 'table' | 'partitioned-table' | 'view' | 'materialized-view' | 'foreign-table' | 'other';

export interface ColumnFacts {
  name: string;
  /** `format_type` of the column, e.g. `numeric(12,2)`. */
  type: string;
  /** `pg_stats.n_distinct`: distinct values, or minus their fraction of the rows; null without statistics. */
  distinct?: number | null;
  /**
   * `pg_stats`: the share of the rows its most common values cover (the sum of
   * `most_common_freqs`); null or absent without such a list.
   */
  commonShare?: number | null;
  /** Declared NOT NULL (`pg_attribute.attnotnull`); absent: may hold NULLs. */
  notNull?: boolean;
}

export interface TableFacts {
  /** Schema the name resolved to through the search path. */
  schema: string;
  name: string;
  kind: RelationKind;
  /** Current size of the main fork in pages, from `pg_relation_size` (not the stale `relpages`). */
  pages: number;
  /** `reltuples`; -1 when never analyzed. */
  estimatedRows: number;
  /** Columns in `attnum` order, dropped ones excluded. */
  columns: ColumnFacts[];
  /** Primary key column names, or empty. Lets `GROUP BY id` carry columns that depend on `id`. */
  primaryKey: string[];
}

export interface FunctionFacts {
  /** True if any function by this name is an aggregate (`prokind = 'a'`). */
  aggregate: boolean;
  /** True if any function by this name is a window function. */
  window: boolean;
  /** True if any function by this name is VOLATILE. */
  volatile: boolean;
  /** True if any function by this name returns a set. */
  returnsSet: boolean;
}

export interface CatalogFacts {
  table: TableFacts;
  /** Keyed by function name as it appears in the query (folded). */
  functions: Record<string, FunctionFacts>;
}

/** What a probe query returned: one entry per probe column, in order. */
export interface ProbeColumn {
  name: string;
  /** `format_type(oid, typmod)`. */
  type: string;
  /** Collation name for the probe's hidden columns (null when default or not collatable). */
  collation: string | null;
}
