/** `npm run keys`, the built command as a user runs it, on a database no API has touched yet. */
import { activeKeyDigests, keyDigest, scramVerifier } from '@pgfan/store';
import { createTestDatabase, type TestDatabase } from '@pgfan/testing';
import { Pool } from 'pg';
import { runBuilt } from './__tests__/run-built';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('keys', { empty: true });
  pool = new Pool({ connectionString: db.url, max: 1 });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const keys = (...args: string[]) => runBuilt('keys.js', args, { DATABASE_URL: db.url });

test('create prints a key once and keeps only its digest and SCRAM verifier; list shows names; revoke stops it', async () => {
  const made = await keys('create', 'dashboards');
  expect(made).toMatchObject({ code: 0, stderr: expect.stringContaining('shown only this once') });
  const key = made.stdout.trim();
  expect(key).toMatch(/^pgf_[\w-]{32}$/);
  // The verifier is the one the PostgreSQL port checks a password against.
  expect(await activeKeyDigests(pool)).toEqual(new Map([[keyDigest(key), { name: 'dashboards', admin: false, scram: scramVerifier(key) }]]));
  const stored = await pool.query('SELECT * FROM pgfan.api_keys');
  expect(JSON.stringify(stored.rows)).not.toContain(key);

  expect(await keys('create', 'dashboards')).toMatchObject({ code: 1, stderr: 'pgfan-keys: there is already a key named dashboards\n' });
  expect((await keys('create', 'no spaces')).stderr).toContain('a key name is 1 to 64 letters');
  expect((await keys('list')).stdout).toMatch(/^dashboards\town queries\tmade \d{4}-\d\d-\d\dT[\d:.]+Z\tactive\n$/);

  expect(await keys('revoke', 'dashboards')).toMatchObject({ code: 0, stderr: 'Revoked key "dashboards".\n' });
  expect(await activeKeyDigests(pool)).toEqual(new Map());
  expect((await keys('list')).stdout).toMatch(/^dashboards\town queries\tmade \S+\trevoked \S+\n$/);
  expect(await keys('revoke', 'dashboards')).toMatchObject({ code: 1, stderr: 'No active key named "dashboards".\n' });
});

test('an admin key is made with --admin, and says so', async () => {
  const made = await keys('create', 'operators', '--admin');
  expect(made).toMatchObject({ code: 0, stderr: expect.stringContaining('Made admin key "operators"') });
  expect((await activeKeyDigests(pool)).get(keyDigest(made.stdout.trim()))).toMatchObject({ name: 'operators', admin: true });
  expect((await keys('list')).stdout).toMatch(/^operators\tadmin\tmade /m);
});

test('usage: help on stdout with 0; anything else on stderr with 2', async () => {
  expect(await keys('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('create <name>') });
  for (const args of [
    [],
    ['create'],
    ['create', '--admin'],
    ['create', 'a', '--root'],
    ['list', 'x'],
    ['drop', 'x'],
    ['revoke', 'a', 'b'],
    ['revoke', 'a', '--admin'],
  ]) {
    expect(await keys(...args)).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('Usage: npm run keys') });
  }
});
