/**
 * The policy judges PostgreSQL's plan of a query: calls hidden in views, and the tables really
 * read, are refused before anything of the query runs.
 */
import { QueryRejectedError } from '@pgfan/planner';
import { useQueryPool } from './__tests__/harness';
import { planOnDatabase } from './planning';
import { parseAllowList, readsOf, type QueryPolicy } from './policy';

const t = useQueryPool('policy');

beforeAll(async () => {
  await t.db.exec(`
    CREATE VIEW sleepy AS SELECT pg_sleep(5)::text AS slept;
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders (id int, amount numeric) PARTITION BY RANGE (id);
    CREATE TABLE sales.orders_low PARTITION OF sales.orders FOR VALUES FROM (0) TO (100);
    INSERT INTO sales.orders VALUES (1, 10), (2, 20);
    CREATE TABLE sales.secrets (id int);
    CREATE VIEW sales.order_totals AS SELECT sum(amount) AS total FROM sales.orders;
  `);
});

async function refusal(sql: string, policy?: QueryPolicy): Promise<QueryRejectedError> {
  const started = Date.now();
  const error = await planOnDatabase(t.pool, sql, { partitions: 2 }, t.typeNames, policy).then(
    () => new Error('planned'),
    (e: unknown) => e,
  );
  // Refused on the plan, not after running: the view's pg_sleep(5) never ran.
  expect(Date.now() - started).toBeLessThan(4000);
  if (!(error instanceof QueryRejectedError)) throw error;
  return error;
}

test('a view that calls a forbidden function is refused, though the query text is harmless', async () => {
  const error = await refusal('SELECT * FROM sleepy');
  expect(error.code).toBe('FORBIDDEN_FUNCTION');
  expect(error.message).toMatch(/pg_sleep\(\) is not accepted, and a view or function this query uses calls it/);
});

test('a forbidden set-returning function in FROM is seen in the plan', () => {
  expect(readsOf({ 'Node Type': 'Function Scan', 'Function Name': 'pg_ls_dir', Schema: 'pg_catalog' }).forbiddenCall).toBe('pg_ls_dir');
});

describe('with an allow-list', () => {
  const policy: QueryPolicy = { allowedRelations: parseAllowList('public.*, sales.orders') };

  test('tables in it are read, whole schemas or one by one, partitions as their partitioned table', async () => {
    await expect(planOnDatabase(t.pool, 'SELECT count(*) FROM events', {}, t.typeNames, policy)).resolves.toBeDefined();
    await expect(planOnDatabase(t.pool, 'SELECT sum(amount) FROM sales.orders', {}, t.typeNames, policy)).resolves.toBeDefined();
    await expect(planOnDatabase(t.pool, 'SELECT * FROM sales.order_totals', {}, t.typeNames, policy)).resolves.toBeDefined();
  });

  test('a table outside it is refused with FORBIDDEN_RELATION, naming it', async () => {
    const error = await refusal('SELECT count(*) FROM events JOIN sales.secrets s ON s.id = events.id', policy);
    expect(error.code).toBe('FORBIDDEN_RELATION');
    expect(error.message).toContain('sales.secrets');
  });

  test('so is a system catalog', async () => {
    expect((await refusal('SELECT count(*) FROM pg_class', policy)).message).toContain('pg_catalog.pg_class');
  });
});

test.each([
  ['public.*', [{ schema: 'public', table: '*' }]],
  [
    'Sales.Orders, "Mixed".t',
    [
      { schema: 'sales', table: 'orders' },
      { schema: 'Mixed', table: 't' },
    ],
  ],
  ['  ', []],
])('parseAllowList(%j)', (text, expected) => {
  expect(parseAllowList(text)).toEqual(expected);
});

test.each(['orders', '*.orders', 'a.b.c', 'public.'])('parseAllowList refuses %j', (text) => {
  expect(() => parseAllowList(text)).toThrow(/is not schema.table or schema.\*/);
});
