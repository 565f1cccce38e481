/** Query records for component tests. */
import type { QueryView } from '@pgfan/contracts';

export const QUERY_ID = '11111111-2222-4333-8444-555555555555';

export function runningQuery(overrides: Partial<QueryView> = {}): QueryView {
  return {
    id: QUERY_ID,
    sql: 'SELECT country, count(*) FROM events GROUP BY 1',
    status: 'running',
    plan: {
      mode: 'fan-out',
      reason: '2 partitions requested',
      partitions: 2,
      strategy: 'page-range',
      table: 'public.events',
      fragments: [
        {
          index: 0,
          sql: 'SELECT "country" AS "k0", count(*) AS "a0_count" FROM "public"."events" WHERE "events".ctid < $1::tid GROUP BY 1',
          params: ['(10,0)'],
          range: { fromPage: 0, toPage: 10 },
        },
        {
          index: 1,
          sql: 'SELECT "country" AS "k0", count(*) AS "a0_count" FROM "public"."events" WHERE "events".ctid >= $1::tid GROUP BY 1',
          params: ['(10,0)'],
          range: { fromPage: 10, toPage: null },
        },
      ],
      combineSql: null,
    },
    fragments: [
      { index: 0, range: { fromPage: 0, toPage: 10 }, state: 'waiting', rows: null, ms: null, attempts: 0, worker: null },
      { index: 1, range: { fromPage: 10, toPage: null }, state: 'waiting', rows: null, ms: null, attempts: 0, worker: null },
    ],
    result: null,
    error: null,
    timings: {
      submittedAt: '2026-11-23T10:00:00.000Z',
      startedAt: null,
      finishedAt: null,
      queueMs: null,
      planMs: 3.2,
      executeMs: null,
      combineMs: null,
      totalMs: null,
    },
    partitionsRequested: 2,
    timeoutMs: 60_000,
    generation: 0,
    coordinator: null,
    ...overrides,
  };
}

export function completedQuery(): QueryView {
  const running = runningQuery();
  return {
    ...running,
    status: 'completed',
    plan: { ...running.plan!, combineSql: 'WITH partials AS (…) SELECT "k0" AS "country" …' },
    fragments: running.fragments.map((f, i) => ({ ...f, state: 'done', rows: 3, ms: 12 + i, attempts: 1, worker: `w${i + 1}` })),
    result: {
      columns: [
        { name: 'country', type: 'text' },
        { name: 'count', type: 'bigint' },
      ],
      rows: [
        ['US', '680'],
        [null, '12'],
      ],
      rowCount: 2,
      truncated: false,
    },
    timings: {
      ...running.timings,
      startedAt: '2026-11-23T10:00:00.010Z',
      finishedAt: '2026-11-23T10:00:00.050Z',
      queueMs: 10,
      executeMs: 25,
      combineMs: 4,
      totalMs: 50,
    },
    generation: 1,
    coordinator: 'w1',
  };
}
