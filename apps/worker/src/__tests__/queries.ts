/** Submitting, following and checking queries in the tests that break the system under them. */
import { QueryView, type ResultSet } from '@pgfan/contracts';
import { countStatements } from '@pgfan/dispatch';
import { createQueryPool, runSequential, toResultSet, TypeNames } from '@pgfan/engine';
import { diffResults, eventually, SLOW_FUNCTION_SQL, startSystem, type RunningProcess, type System, type SystemOptions } from '@pgfan/testing';
import type { Pool } from 'pg';

const FINAL = ['completed', 'failed', 'cancelled'];

export type QueryClient = ReturnType<typeof queryClient>;
export type DirectResults = ReturnType<typeof directResults>;

function queryClient(system: System) {
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
  /** Submits `body` and waits up to `waitMs` for its answer: the status, and the record as it then stands. */
  const waiting = async (body: Record<string, unknown>, waitMs = 60_000) => {
    const { status, body: record } = await system.request('POST', `/api/queries?wait=${waitMs}`, body);
    return { status, record: QueryView.parse(record) };
  };
  /** The id of the unfinished query of `sql`, once it is admitted. */
  const admitted = (sql: string) =>
    eventually(async () => {
      const { body } = await system.request<{ queries: QueryView[] }>('GET', '/api/queries?limit=20');
      return body.queries.find((q) => q.sql === sql && !FINAL.includes(q.status))?.id;
    });
  /** The worker running one of the query's fragments, once one runs. */
  const runningOn = (id: string) =>
    eventually(async () => (await get(id)).fragments.find((f) => f.state === 'running')?.worker ?? undefined, 20_000, 'a running fragment');
  return { get, submit, waiting, finished, admitted, runningOn };
}

/** Signals worker `id` and waits for it to exit; it is no longer one of the system's workers. */
export async function killWorker(system: System, id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ process: RunningProcess; code: number | null }> {
  const victim = system.workers.find((w) => w.name === `worker ${id}`);
  if (!victim) throw new Error(`no worker ${id} among ${system.workers.map((w) => w.name).join(', ')}`);
  victim.kill(signal);
  const code = await victim.exited;
  system.workers.splice(system.workers.indexOf(victim), 1);
  return { process: victim, code };
}

export interface SlowSystem {
  system: System;
  /** Straight to the system's database, for expected results and for inspecting sessions. */
  pool: Pool;
  client: QueryClient;
  direct: DirectResults;
  /** SIGTERM to the API: it exits cleanly at once, whatever queries it carries; then it starts again. */
  restartApi(): Promise<void>;
  /** SIGKILL to the API while `answer` (a waiting client's request) is open: the request fails with the connection; then the API starts again. */
  killApi(answer: Promise<unknown>): Promise<void>;
  /** How many sessions run a statement of query `id` now (fragments, and queries run as written, name theirs after it). */
  statementsOf(id: string): Promise<number>;
  /** Resolves once no session runs a statement of query `id`. */
  noStatementsOf(id: string): Promise<void>;
  stop(): Promise<void>;
}

/** A system with `slow()` installed, for the tests that break parts of it under running queries. */
export async function startSlowSystem(options: SystemOptions): Promise<SlowSystem> {
  const system = await startSystem(options);
  await system.db.exec(SLOW_FUNCTION_SQL);
  const pool = createQueryPool({ connectionString: system.db.url, max: 2 });
  const statementsOf = async (id: string) => {
    const count = await countStatements([pool], id);
    if (count === null) throw new Error('pg_stat_activity could not be read');
    return count;
  };
  return {
    system,
    pool,
    client: queryClient(system),
    direct: directResults(pool),
    statementsOf,
    noStatementsOf: async (id) => {
      await eventually(async () => ((await statementsOf(id)) === 0 ? true : undefined), 10_000, 'no running statements');
    },
    killApi: async (answer) => {
      const ended = answer.then(
        () => 'answered',
        (error: unknown) => String(error),
      );
      system.api.kill('SIGKILL');
      await system.api.exited;
      expect(await ended).toMatch(/fetch failed/);
      await system.startApi();
    },
    restartApi: async () => {
      const stopping = Date.now();
      system.api.kill('SIGTERM');
      expect(await system.api.exited).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(10_000);
      await system.startApi();
    },
    stop: async () => {
      await pool.end();
      await system.stop();
    },
  };
}

/** Results straight from PostgreSQL, computed once per SQL text. */
function directResults(pool: Pool) {
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
