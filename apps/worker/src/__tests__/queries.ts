/** Submitting, following and checking queries in the tests that break the system under them. */
import { QueryView, type ResultSet } from '@pgfan/contracts';
import { runSequential, toResultSet, TypeNames } from '@pgfan/engine';
import { diffResults, eventually, type System } from '@pgfan/testing';
import type { Pool } from 'pg';

const FINAL = ['completed', 'failed', 'cancelled'];

/** A function that sleeps `ms` per row and returns `x`: STABLE is a promise the planner trusts, so it splits. */
export const SLOW_FUNCTION = `CREATE FUNCTION slow(x bigint, ms int) RETURNS bigint STABLE LANGUAGE sql AS $$ SELECT x FROM pg_sleep(ms / 1000.0) $$`;

export type QueryClient = ReturnType<typeof queryClient>;
export type DirectResults = ReturnType<typeof directResults>;

export function queryClient(system: System) {
  const get = async (id: string) => QueryView.parse((await system.request('GET', `/api/queries/${id}`)).body);
  const submit = async (body: Record<string, unknown>) => {
    const { status, body: answer } = await system.request('POST', '/api/queries', body);
    if (status >= 300) throw new Error(`submitting ${JSON.stringify(body)} got ${status}: ${JSON.stringify(answer)}`);
    return QueryView.parse(answer);
  };
  const finished = (id: string, timeoutMs = 60_000) =>
    eventually(
      async () => {
        const q = await get(id).catch(() => undefined);
        return q && FINAL.includes(q.status) ? q : undefined;
      },
      timeoutMs,
      `query ${id} to finish`,
    );
  return { get, submit, finished };
}

/** Results straight from PostgreSQL, computed once per SQL text. */
export function directResults(pool: Pool) {
  const typeNames = new TypeNames();
  const cache = new Map<string, Promise<ResultSet>>();
  const of = (sql: string): Promise<ResultSet> => {
    if (!cache.has(sql))
      cache.set(
        sql,
        runSequential(pool, sql).then((raw) => toResultSet(pool, raw, typeNames)),
      );
    return cache.get(sql) as Promise<ResultSet>;
  };
  /** Completed, with PostgreSQL's own answer to `directSql` (the query itself unless given). */
  const expectExact = async (record: QueryView, directSql = record.sql) => {
    expect([record.status, record.error]).toEqual(['completed', null]);
    expect(diffResults(await of(directSql), record.result!, 'unordered')).toBeNull();
  };
  /**
   * What a query cut off by an outage may end as: completed with the exact answer, or failed with
   * one of `codes` and no result. Returns the counts and the failures' messages.
   */
  const expectExactOrFailed = async (records: QueryView[], directSqls: string[], codes: string[]) => {
    const outcomes = { completed: 0, failed: [] as string[] };
    for (const [i, record] of records.entries()) {
      if (record.status === 'completed') {
        outcomes.completed++;
        await expectExact(record, directSqls[i]);
        continue;
      }
      expect([record.status, codes.includes(record.error?.code ?? ''), record.result]).toEqual(['failed', true, null]);
      expect(record.error?.message).toMatch(/\w{3,}/);
      outcomes.failed.push(`${record.error?.code}: ${record.error?.message}`);
    }
    return outcomes;
  };
  return { of, expectExact, expectExactOrFailed };
}
