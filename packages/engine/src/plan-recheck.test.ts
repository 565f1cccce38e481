/**
 * A split plan reused for a later run of the same text must be the plan that planning afresh
 * would make: `planStillStands` says no once a column the query reads changes type, a function
 * it calls is redefined, or the policy refuses it, and yes while nothing changed.
 */
import { parseAllowList } from './policy';
import { useQueryPool } from './__tests__/harness';
import { planOnDatabase, planStillStands, type PlanRecheck } from './planning';

const t = useQueryPool('plan_recheck');

beforeEach(async () => {
  await t.db.exec(`
    DROP TABLE IF EXISTS recheck_t;
    CREATE TABLE recheck_t AS SELECT g % 7 AS g, g AS x FROM generate_series(1, 2000) g;
    ANALYZE recheck_t;
    CREATE OR REPLACE FUNCTION recheck_f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
  `);
});

const SQL = 'SELECT g, sum(recheck_f(x)), avg(x) FROM recheck_t GROUP BY g ORDER BY g';

async function recheckOf(sql: string): Promise<PlanRecheck> {
  const { plan, recheck } = await planOnDatabase(t.pool, sql, { partitions: 2, workers: 2 }, t.typeNames);
  expect(plan.mode).toBe('fan-out');
  if (!recheck) throw new Error('no recheck for a split plan');
  return recheck;
}

const stands = (recheck: PlanRecheck, policy?: Parameters<typeof planStillStands>[4]) => planStillStands(t.pool, SQL, recheck, t.typeNames, policy);

test('with nothing changed, it stands', async () => {
  const recheck = await recheckOf(SQL);
  await expect(stands(recheck)).resolves.toBe(true);
});

test('the table grown past a tenth: it does not, as its fragments were cut for the old size (every range is exact still)', async () => {
  const recheck = await recheckOf(SQL);
  // A few rows more, and the estimate within a tenth of where it was: it stands.
  await t.db.exec('INSERT INTO recheck_t SELECT g % 7, g FROM generate_series(1, 30) g');
  await expect(stands(recheck)).resolves.toBe(true);
  await t.db.exec('INSERT INTO recheck_t SELECT g % 7, g FROM generate_series(1, 5000) g; ANALYZE recheck_t');
  await expect(stands(recheck)).resolves.toBe(false);
  // Planned afresh, it stands again, for the new size.
  await expect(stands(await recheckOf(SQL))).resolves.toBe(true);
});

test('a column it reads of another type: it does not, by the probe, where the reading is the same', async () => {
  const sql = 'SELECT g, sum(x) FROM recheck_t GROUP BY g';
  const recheck = await recheckOf(sql);
  await t.db.exec('ALTER TABLE recheck_t ALTER x TYPE numeric USING x + 0.25');
  await expect(planStillStands(t.pool, sql, recheck, t.typeNames)).resolves.toBe(false);
  // EXPLAIN names no types: only the probe tells the plans apart.
  const afresh = await recheckOf(sql);
  expect(afresh.reading).toBe(recheck.reading);
  expect(afresh.probe).not.toEqual(recheck.probe);
});

test('a function it calls redefined: it does not; redefined to call a forbidden function, planning afresh refuses it', async () => {
  const recheck = await recheckOf(SQL);
  await t.db.exec(`CREATE OR REPLACE FUNCTION recheck_f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 3'`);
  await expect(stands(recheck)).resolves.toBe(false);
  await t.db.exec(`CREATE OR REPLACE FUNCTION recheck_f(int) RETURNS int LANGUAGE sql VOLATILE AS 'SELECT $1 * 2 + (pg_sleep(0) IS NULL)::int'`);
  await expect(stands(recheck)).resolves.toBe(false);
  await expect(planOnDatabase(t.pool, SQL, { partitions: 2 }, t.typeNames)).rejects.toMatchObject({ code: 'FORBIDDEN_FUNCTION' });
});

test('a policy that refuses its plan: it does not', async () => {
  const recheck = await recheckOf(SQL);
  await expect(stands(recheck, { allowedRelations: parseAllowList('sales.*') })).resolves.toBe(false);
});

test('the table gone: it does not, and nothing throws', async () => {
  const recheck = await recheckOf(SQL);
  await t.db.exec('DROP TABLE recheck_t');
  await expect(stands(recheck)).resolves.toBe(false);
});

test('a query that reads the transaction time is never reused: its plan pins now() to its planning', async () => {
  const { plan, recheck } = await planOnDatabase(
    t.pool,
    `SELECT g, count(*) FROM recheck_t WHERE now() > '2000-01-01' GROUP BY g`,
    { partitions: 2, workers: 2 },
    t.typeNames,
  );
  expect([plan.mode, recheck]).toEqual(['fan-out', undefined]);
});
