/**
 * The planner's differential corpus spread over two streaming replicas: every case, split in 3
 * fragments dealt over both replicas at one exact cut, must return what PostgreSQL returns on
 * the primary — through placement, the cut, each replica's snapshot and the combine.
 */
import { QueryView } from '@pgfan/contracts';
import { createQueryPool, runSequential, toResultSet, TypeNames } from '@pgfan/engine';
import { DIFFERENTIAL_CASES, diffResults, diffSubset, startPrivateCluster, startSystem, type PrivateCluster, type System } from '@pgfan/testing';
import type { Pool } from 'pg';

let cluster: PrivateCluster;
let system: System;
let pool: Pool;
const typeNames = new TypeNames();
const guarantees = new Map<string, number>();

beforeAll(async () => {
  cluster = await startPrivateCluster(2);
  const env = { READ_FROM: 'replicas' };
  system = await startSystem({
    label: 'spread_differential',
    adminUrl: cluster.primary.adminUrl,
    replicas: cluster.replicas.map((r) => r.adminUrl),
    apiEnv: env,
    workerEnv: env,
  });
  pool = createQueryPool({ connectionString: system.db.url, max: 2 });
}, 120_000);

afterAll(async () => {
  process.stdout.write(`spread corpus: ${JSON.stringify(Object.fromEntries(guarantees))}\n`);
  await pool?.end();
  await system?.stop();
  await cluster?.stop();
});

const direct = async (sql: string) => toResultSet(pool, await runSequential(pool, sql), typeNames);

test.each(DIFFERENTIAL_CASES.map((c) => [c.sql.replace(/\s+/g, ' '), c] as const))('%s', async (_, c) => {
  const { status, body } = await system.request<QueryView>('POST', '/api/queries?wait=30000', { sql: c.sql, partitions: 3, servers: 2 });
  expect(status).toBe(200);
  const record = QueryView.parse(body);
  expect([record.status, record.error]).toEqual(['completed', null]);
  expect(record.plan?.mode).toBe(c.split === false ? 'as-written' : 'fan-out');
  // A fan-out reads both replicas at one cut; a query run as written, one replica.
  const guarantee = record.plan?.cut?.guarantee ?? 'none';
  guarantees.set(guarantee, (guarantees.get(guarantee) ?? 0) + 1);
  expect([guarantee, record.plan?.cut?.reason]).toEqual(record.plan?.mode === 'fan-out' ? ['equal-replay-position', undefined] : ['one-snapshot', undefined]);
  const expected = await direct(c.sql);
  const difference = c.anyRowsOf
    ? diffSubset(await direct(c.anyRowsOf), record.result!, expected.rowCount)
    : diffResults(expected, record.result!, /\border\s+by\b/i.test(c.sql) ? 'ordered' : 'unordered');
  expect(difference).toBeNull();
});
