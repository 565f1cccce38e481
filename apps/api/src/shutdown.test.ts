/**
 * SIGTERM, as Kubernetes sends it on a rollout: the API stops taking connections, a request in
 * flight (a `?wait=` on a running query) still gets its answer, an idle PostgreSQL client's
 * session ends at once with PostgreSQL's own words, and the process exits 0.
 */
import type { QueryView } from '@pgfan/contracts';
import { eventually, SLOW_FUNCTION_SQL, startSystem, type System } from '@pgfan/testing';
import { Client } from 'pg';

let system: System;

beforeAll(async () => {
  system = await startSystem({ label: 'shutdown' });
  await system.db.exec(SLOW_FUNCTION_SQL);
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

test('a request in flight is answered, new connections are refused, idle PostgreSQL clients are told, and the process exits 0', async () => {
  const admin = new Client({ connectionString: system.db.url });
  await admin.connect();
  const [host, port] = (system.pgAddress ?? '').split(':');
  const idle = new Client({ host, port: Number(port), user: 'anyone', database: system.db.name });
  await idle.connect();
  const ended = new Promise<{ code?: string }>((resolve) => idle.on('error', (error) => resolve(error as { code?: string })));
  try {
    const pending = system.request<QueryView>('POST', '/api/queries?wait=30000', { sql: 'SELECT sum(slow(id, 1)) AS s FROM events', partitions: 2 });
    await eventually(async () =>
      (await admin.query("SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%slow(%'")).rowCount ? true : undefined,
    );
    system.api.kill('SIGTERM');
    expect(await ended).toMatchObject({ code: '57P01' });
    await eventually(
      async () =>
        await fetch(`${system.url}/api/health/live`).then(
          () => undefined,
          () => true,
        ),
      10_000,
      'refused connections',
    );
    const { status, body } = await pending;
    expect([status, body.status]).toEqual([200, 'completed']);
    expect(await system.api.exited).toBe(0);
    expect(system.api.output()).toMatch(/shutting down: no new connections; 1 requests in flight get up to 25000 ms to finish[\s\S]*stopped/);
  } finally {
    await admin.end();
    await idle.end().catch(() => undefined);
  }
}, 60_000);
