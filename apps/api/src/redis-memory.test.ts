/**
 * Redis memory stays bounded under sustained load: finished jobs leave Redis by age and count,
 * live progress expires, and history lives in PostgreSQL. 5,000 queries (most tiny, some
 * fanned out) must leave Redis about as small as a few hundred would.
 */
import { QueryView } from '@pgfan/contracts';
import { startSystem, type System } from '@pgfan/testing';

let system: System;

beforeAll(async () => {
  system = await startSystem({ label: 'redis_memory' });
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await system.redis.info('memory'))?.[1]);

async function run(total: number, concurrency: number): Promise<void> {
  let next = 0;
  const client = async () => {
    while (next < total) {
      const i = next++;
      const body = i % 10 === 0 ? { sql: 'SELECT count(*), sum(revenue) FROM events', partitions: 2 } : { sql: `SELECT ${i} AS n FROM single_event` };
      const { status, body: record } = await system.request<QueryView>('POST', '/api/queries?wait=30000', body);
      if (status !== 200 || record.status !== 'completed') throw new Error(`query ${i}: ${status} ${JSON.stringify(record)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
}

test('5,000 queries leave Redis bounded', async () => {
  const memoryBefore = await usedMemory();
  await run(5000, 20);
  const keys = await system.redis.dbsize();
  const growth = (await usedMemory()) - memoryBefore;
  process.stdout.write(`redis after 5000 queries: ${keys} keys, +${(growth / 1024 / 1024).toFixed(1)} MiB\n`);
  // Kept: at most 500 finished jobs per queue (3 queues) plus queue metadata. Without removal,
  // 5,000 queries would leave 6,500 job hashes (5,000 coordinator, 1,000 fragment, 500 combine).
  expect(keys).toBeLessThan(3000);
  expect(growth).toBeLessThan(8 * 1024 * 1024);
  const history = await system.request<{ queries: unknown[] }>('GET', '/api/queries?limit=100');
  expect(history.body.queries).toHaveLength(100);
}, 600_000);
