/**
 * One snapshot per query: while a writer keeps deleting old rows and inserting new ones (each
 * change one transaction, the row count moving by +37), 50 fanned-out COUNT(*) queries must each
 * return a count that existed at one instant. Fragments reading different snapshots would see
 * the deletes of one moment and the inserts of another, and return a count that never existed.
 */
import { QueryView } from '@pgfan/contracts';
import { startSystem, type System } from '@pgfan/testing';
import { Client } from 'pg';

let system: System;

beforeAll(async () => {
  system = await startSystem({ label: 'snapshot' });
  const admin = new Client({ connectionString: system.db.url });
  await admin.connect();
  await admin.query(`CREATE TABLE ticks (id bigserial PRIMARY KEY, pad text) WITH (autovacuum_enabled = off)`);
  await admin.query(`INSERT INTO ticks (pad) SELECT repeat('x', 200) FROM generate_series(1, 40000)`);
  await admin.query('ANALYZE ticks');
  await admin.end();
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

test('50 COUNT(*) queries under concurrent writes each see one instant', async () => {
  const writer = new Client({ connectionString: system.db.url });
  await writer.connect();
  let count = Number((await writer.query('SELECT count(*) AS n FROM ticks')).rows[0].n);
  const counts = new Set([count]);
  let writing = true;
  const writes = (async () => {
    while (writing) {
      await writer.query('BEGIN');
      await writer.query('DELETE FROM ticks WHERE id IN (SELECT id FROM ticks ORDER BY id LIMIT 100)');
      await writer.query(`INSERT INTO ticks (pad) SELECT repeat('y', 200) FROM generate_series(1, 137)`);
      await writer.query('COMMIT');
      count += 37;
      counts.add(count);
    }
  })();
  const seen: number[] = [];
  try {
    for (let i = 0; i < 50; i++) {
      const { body } = await system.request<QueryView>('POST', '/api/queries?wait=30000', { sql: 'SELECT count(*) FROM ticks', partitions: 4 });
      const record = QueryView.parse(body);
      expect([record.status, record.plan?.mode]).toEqual(['completed', 'fan-out']);
      seen.push(Number(record.result?.rows[0]?.[0]));
    }
  } finally {
    writing = false;
    await writes;
    await writer.end();
  }
  expect(seen.filter((n) => !counts.has(n))).toEqual([]);
  // The writer really moved the count while the queries ran.
  expect(new Set(seen).size).toBeGreaterThan(10);
}, 120_000);
