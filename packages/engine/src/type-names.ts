/**
 * SQL names of result column types (`numeric(12,2)`, `timestamp with time zone`), from the
 * (type OID, type modifier) pairs PostgreSQL reports with every result. Cached per process:
 * a pair's name never changes while the type exists.
 */
import type { FieldDef } from 'pg';
import type { Queryable } from './connection';
import { loadSql } from './sql-files';

const TYPE_NAMES_SQL = loadSql('type-names');

export class TypeNames {
  private readonly names = new Map<string, string>();

  /** Names of `fields`' types, in order, looking up only pairs not seen before. */
  async of(db: Queryable, fields: readonly Pick<FieldDef, 'dataTypeID' | 'dataTypeModifier'>[]): Promise<string[]> {
    const key = (f: Pick<FieldDef, 'dataTypeID' | 'dataTypeModifier'>) => `${f.dataTypeID}:${f.dataTypeModifier}`;
    const missing = [...new Map(fields.filter((f) => !this.names.has(key(f))).map((f) => [key(f), f])).values()];
    if (missing.length > 0) {
      const result = await db.query({
        name: 'pgfan-type-names',
        text: TYPE_NAMES_SQL,
        values: [missing.map((f) => f.dataTypeID), missing.map((f) => f.dataTypeModifier)],
      });
      for (const row of result.rows as { oid: string; typmod: string; name: string }[]) {
        this.names.set(`${row.oid}:${row.typmod}`, row.name);
      }
    }
    return fields.map((f) => this.names.get(key(f)) ?? 'unknown');
  }
}
