/**
 * Retention: a worker deletes the records of finished queries submitted longer ago than
 * HISTORY_RETENTION_HOURS, soon after it starts, and keeps the rest.
 */
import { QueryView } from '@pgfan/contracts';
import { eventually, startSystem, type System } from '@pgfan/testing';
import { Client } from 'pg';

let system: System;

beforeAll(async () => {
  system = await startSystem({ label: 'history', workers: 0 });
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

test('a worker deletes finished records past the retention, soon after it starts, and keeps the rest', async () => {
  const db = new Client({ connectionString: system.db.url });
  await db.connect();
  try {
    const insert = (status: string, hoursAgo: number) =>
      db
        .query<{ id: string }>(
          `INSERT INTO pgfan.queries (id, sql, status, timeout_ms, deadline, plan_internal, plan_ms, submitted_at, finished_at)
           VALUES (gen_random_uuid(), 'SELECT 1', $1, 60000, now() + interval '1 hour', '{}', 1,
                   now() - make_interval(hours => $2), CASE WHEN $1 = 'running' THEN NULL ELSE now() - make_interval(hours => $2) END)
           RETURNING id`,
          [status, hoursAgo],
        )
        .then((r) => r.rows[0]!.id);
    const old = [await insert('completed', 30), await insert('failed', 26)];
    // Unfinished, however old: it can go only once the reaper has failed it, past its deadline.
    const kept = [await insert('running', 30), await insert('completed', 2)];

    const worker = await system.startWorker('purger', { HISTORY_RETENTION_HOURS: '24', REAPER_INTERVAL_MS: '200' });
    await eventually(
      async () =>
        /deleted 2 record\(s\) of finished queries: submitted over 24 h ago, or the oldest past \d+ bytes of history/.test(worker.output()) ? true : undefined,
      20_000,
      'the purge',
    );
    for (const id of old) expect((await system.request('GET', `/api/queries/${id}`)).status).toBe(404);
    for (const id of kept) expect((await system.request<QueryView>('GET', `/api/queries/${id}`)).status).toBe(200);
  } finally {
    await db.end();
  }
}, 60_000);
