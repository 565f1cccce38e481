/** Live progress in a real Redis: each change and the event telling of it applied in one command. */
import { randomUUID } from 'node:crypto';
import { QUERY_EVENTS_CHANNEL } from '@pgfan/contracts';
import { startPrivateRedis } from '@pgfan/testing';
import { Redis } from 'ioredis';
import { endProgress, getFragmentProgress, reportFragment, type LiveFragment } from './progress';

const url = `redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`;
const redis = new Redis(url);
const listener = new Redis(url);
const messages: string[] = [];

beforeAll(async () => {
  listener.on('message', (_channel: string, message: string) => messages.push(message));
  await listener.subscribe(QUERY_EVENTS_CHANNEL);
});
afterAll(() => {
  redis.disconnect();
  listener.disconnect();
});

const fragment = (index: number, state: LiveFragment['state']): LiveFragment => ({ index, state, rows: null, ms: null, attempts: 1, worker: 'w1' });

async function heard(id: string, count: number): Promise<unknown[][]> {
  for (let tries = 0; messages.filter((m) => m.includes(id)).length < count && tries < 200; tries++) await new Promise((r) => setTimeout(r, 10));
  return messages.filter((m) => m.includes(id)).map((m) => JSON.parse(m) as unknown[]);
}

test('a fragment’s report keeps its state, expiring with the query, and tells of it', async () => {
  const id = randomUUID();
  await reportFragment(redis, id, fragment(0, 'running'), 60_000, { type: 'fragment-started', id, index: 0, worker: 'w1', attempt: 1 });
  await reportFragment(redis, id, fragment(1, 'done'), 60_000, { type: 'fragment-done', id, index: 1, rows: 3, ms: 4, worker: 'w1', attempt: 1 });
  expect([...(await getFragmentProgress(redis, id)).values()].map((f) => [f.index, f.state]).sort()).toEqual([
    [0, 'running'],
    [1, 'done'],
  ]);
  const ttl = await redis.pttl(`pgfan:progress:${id}`);
  expect(ttl).toBeGreaterThan(50_000);
  expect(ttl).toBeLessThanOrEqual(60_000);
  expect((await heard(id, 2)).map((events) => events.map((e) => (e as { type: string }).type))).toEqual([['fragment-started'], ['fragment-done']]);
});

test('a query’s end drops its progress and tells of it, in one message', async () => {
  const id = randomUUID();
  await reportFragment(redis, id, fragment(0, 'done'), 60_000, { type: 'fragment-done', id, index: 0, rows: 1, ms: 1, worker: 'w1', attempt: 1 });
  await endProgress(redis, id, [
    { type: 'combining', id },
    { type: 'completed', id, rowCount: 1, totalMs: 5 },
  ]);
  expect((await getFragmentProgress(redis, id)).size).toBe(0);
  expect((await heard(id, 2)).at(-1)?.map((e) => (e as { type: string }).type)).toEqual(['combining', 'completed']);
});

test('after Redis restarts, and after its scripts are flushed, the scripts are sent again', async () => {
  // A server of the test's own: a flush reaches every connection of the server it is sent to.
  const server = await startPrivateRedis();
  const own = new Redis(server.url);
  try {
    const id = randomUUID();
    await reportFragment(own, id, fragment(0, 'running'), 60_000, { type: 'fragment-started', id, index: 0, worker: 'w1', attempt: 1 });
    await server.restart();
    await reportFragment(own, id, fragment(1, 'running'), 60_000, { type: 'fragment-started', id, index: 1, worker: 'w1', attempt: 1 });
    expect([...(await getFragmentProgress(own, id)).keys()].sort()).toEqual([0, 1]);
    await own.script('FLUSH');
    await endProgress(own, id, [{ type: 'cancelled', id }]);
    expect((await getFragmentProgress(own, id)).size).toBe(0);
  } finally {
    own.disconnect();
    await server.stop();
  }
});
