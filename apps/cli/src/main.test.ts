/** The built CLI, run as a user runs it: `npm run query -- --local …` against a real database. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryRecord } from '@pgfan/contracts';
import { createTestDatabase, type TestDatabase } from '@pgfan/testing';
import { runBuilt } from './__tests__/run-built';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('cli');
});

afterAll(async () => {
  await db?.drop();
});

const cli = (args: string[]) => runBuilt('main.js', args, { DATABASE_URL: db.url });

test('--file --json prints one valid record per query, in input order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pgfan-cli-'));
  const file = join(dir, 'queries.sql');
  await writeFile(
    file,
    [
      'SELECT count(*) FROM events;',
      '',
      '-- a comment line',
      'SELECT nope FROM events',
      'SELECT country, count(*) FROM events GROUP BY 1 ORDER BY 1 NULLS FIRST LIMIT 2',
    ].join('\n'),
  );
  const { code, stdout } = await cli(['--local', '--partitions', '4', '--json', '--file', file]);
  expect(code).toBe(1);
  const records = stdout
    .trim()
    .split('\n')
    .map((line) => QueryRecord.parse(JSON.parse(line)));
  expect(records.map((r) => [r.sql, r.status])).toEqual([
    ['SELECT count(*) FROM events;', 'completed'],
    ['SELECT nope FROM events', 'failed'],
    ['SELECT country, count(*) FROM events GROUP BY 1 ORDER BY 1 NULLS FIRST LIMIT 2', 'completed'],
  ]);
  expect(records[0]).toMatchObject({ plan: { mode: 'fan-out', partitions: 4 }, result: { columns: [{ name: 'count', type: 'bigint' }], rows: [['6799']] } });
  expect(records[1]?.error).toMatchObject({ code: 'INVALID_QUERY', message: 'column "nope" does not exist' });
  expect(records[2]?.result?.rows).toEqual([
    [null, '680'],
    ['ab', '680'],
  ]);
});

test('without --json it prints a table and exits 0', async () => {
  const { code, stdout } = await cli(['--local', '--partitions', '2', 'SELECT count(*) AS n FROM events']);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^ n {4}\n-+\n 6799 \n\(1 row\)\nfan-out · 2 fragments over page ranges of public.events · /);
});

test('usage errors exit 2 with the usage text', async () => {
  const { code, stderr } = await cli(['--local', '--partitions', '0', 'SELECT 1']);
  expect(code).toBe(2);
  expect(stderr).toContain('--partitions must be a whole number from 1 to 64');
  expect(stderr).toContain('Usage: npm run query');
});

test('an unreachable database is one clear line', async () => {
  const { code, stderr } = await runBuilt('main.js', ['--local', 'SELECT 1'], { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' });
  expect(code).toBe(1);
  expect(stderr).toBe('cannot reach PostgreSQL at postgres://nobody:***@127.0.0.1:1/none: connect ECONNREFUSED 127.0.0.1:1\n');
});
