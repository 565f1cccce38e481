/** Query events on the real Redis channel: how many messages a write costs, and what listeners and waiters hear. */
import { randomUUID } from 'node:crypto';
import { QUERY_EVENTS_CHANNEL, type QueryEvent, type QueryView } from '@pgfan/contracts';
import { Redis } from 'ioredis';
import { carriedOutput, carriedRecord, outputToCarry, recordToCarry } from './carried';
import { publishQueryEvent, publishQueryEvents, QueryEventBus, type NewQueryEvent } from './events';
import { endProgress, reportFragment } from './progress';
import { JobSigner } from './signing';

// Pub/sub ignores the database number: other processes' events may arrive too, told apart by id.
const url = 'redis://127.0.0.1:6379';
const publisher = new Redis(url);
let bus: QueryEventBus;
let raw: Redis;
let messages: string[];

beforeEach(async () => {
  bus = new QueryEventBus(new Redis(url));
  await bus.ready();
  raw = new Redis(url);
  messages = [];
  raw.on('message', (_channel: string, message: string) => messages.push(message));
  await raw.subscribe(QUERY_EVENTS_CHANNEL);
});
afterEach(async () => {
  await bus.close();
  raw.disconnect();
});
afterAll(() => publisher.disconnect());

function heardFor(id: string): { events: QueryEvent[]; stop: () => void } {
  const events: QueryEvent[] = [];
  const stop = bus.subscribe((event) => event.id === id && events.push(event));
  return { events, stop };
}

/** Resolves once `count` events of `id` were heard by the bus's listeners. */
async function until(heard: QueryEvent[], count: number): Promise<void> {
  for (let tries = 0; heard.length < count && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
}

const lifeOf = (id: string): NewQueryEvent[] => [
  { type: 'running', id, generation: 1, coordinator: 'api' },
  { type: 'fragment-started', id, index: 0, worker: 'api', attempt: 1 },
  { type: 'fragment-done', id, index: 0, rows: 1, ms: 2, worker: 'api', attempt: 1 },
  { type: 'completed', id, rowCount: 1, totalMs: 3 },
];

test('events published together travel as one message, and are heard one by one, in order, stamped', async () => {
  const id = randomUUID();
  const heard = heardFor(id);
  await publishQueryEvents(publisher, lifeOf(id));
  await until(heard.events, 4);
  expect(heard.events.map((e) => e.type)).toEqual(['running', 'fragment-started', 'fragment-done', 'completed']);
  expect(heard.events.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
  // Every process subscribed reads and parses one message, not one per event.
  expect(messages.filter((m) => m.includes(id))).toHaveLength(1);
  heard.stop();
});

test('a waiter wakes on its query’s ending, published with others or alone', async () => {
  const [together, alone] = [randomUUID(), randomUUID()];
  const waits = [bus.wait(together, 5_000), bus.wait(alone, 5_000)];
  await publishQueryEvents(publisher, lifeOf(together));
  await publishQueryEvent(publisher, { type: 'cancelled', id: alone });
  expect(await Promise.all(waits)).toEqual([{}, {}]);
  // Not woken by another query's ending.
  expect(await bus.wait(randomUUID(), 200)).toBeNull();
});

test('a message of one event (an earlier version’s) is heard; what is not an event is passed over', async () => {
  const id = randomUUID();
  const heard = heardFor(id);
  const ending = bus.wait(id, 5_000);
  const at = new Date().toISOString();
  await publisher.publish(QUERY_EVENTS_CHANNEL, 'not json');
  await publisher.publish(
    QUERY_EVENTS_CHANNEL,
    JSON.stringify([
      { type: 'no-such-event', id, at },
      { type: 'combining', id, at },
    ]),
  );
  await publisher.publish(QUERY_EVENTS_CHANNEL, JSON.stringify({ type: 'cancelled', id, at }));
  await until(heard.events, 2);
  expect(heard.events.map((e) => e.type)).toEqual(['combining', 'cancelled']);
  expect(await ending).toEqual({});
  heard.stop();
});

/** A finished record as the store returns it (only its id and status matter here). */
const finished = (id: string, rows: unknown[][] = [[1]]) =>
  ({
    id,
    sql: 'SELECT 1',
    status: 'completed',
    plan: null,
    fragments: [],
    result: { columns: [{ name: 'n', type: 'int4' }], rows, rowCount: rows.length, truncated: false },
    error: null,
    timings: { submittedAt: new Date().toISOString(), startedAt: null, finishedAt: null, queueMs: null, planMs: 0, executeMs: 1, combineMs: 0, totalMs: 2 },
    partitionsRequested: null,
    timeoutMs: 1000,
    generation: 1,
    coordinator: 'w1',
  }) as QueryView;

describe('an ending that carries the finished record', () => {
  const signer = new JobSigner(['the deployment’s key']);
  const ending = (id: string): NewQueryEvent[] => [{ type: 'completed', id, rowCount: 1, totalMs: 2 }];

  test('hands it to the waiter, which takes it only as signed by this deployment and for its own query; listeners never see it', async () => {
    const id = randomUUID();
    const heard = heardFor(id);
    const record = finished(id);
    const waiting = bus.wait(id, 5_000);
    await endProgress(publisher, id, ending(id), recordToCarry(signer, record));
    const end = await waiting;
    expect(carriedRecord(signer, end, id)).toEqual(record);
    await until(heard.events, 1);
    expect(heard.events[0]).not.toHaveProperty('carried');
    // Another deployment's signature, or another query's record, is not taken: the waiter reads the store instead.
    expect(carriedRecord(new JobSigner(['another key']), end, id)).toBeNull();
    expect(carriedRecord(signer, end, randomUUID())).toBeNull();
    heard.stop();
  });

  test('a record forged into an ending, or none, leaves the waiter to read the store', async () => {
    const [forged, plain] = [randomUUID(), randomUUID()];
    const waits = [bus.wait(forged, 5_000), bus.wait(plain, 5_000)];
    const at = new Date().toISOString();
    await publisher.publish(QUERY_EVENTS_CHANNEL, JSON.stringify([{ ...ending(forged)[0], at, carried: { ...finished(forged), signature: 'made-up' } }]));
    await endProgress(publisher, plain, ending(plain));
    const [forgedEnd, plainEnd] = await Promise.all(waits);
    expect(forgedEnd).not.toBeNull();
    expect(carriedRecord(signer, forgedEnd ?? null, forged)).toBeNull();
    expect(carriedRecord(signer, plainEnd ?? null, plain)).toBeNull();
  });
});

test('a record or rows too large to carry stay where they are', () => {
  const signer = new JobSigner(['the deployment’s key']);
  const id = randomUUID();
  const many = Array.from({ length: 1001 }, (_, i) => [i]);
  expect(recordToCarry(signer, finished(id, many))).toBeUndefined();
  expect(recordToCarry(signer, finished(id, [['x'.repeat(40_000)]]))).toBeUndefined();
  const of = { queryId: id, generation: 1, index: 0 };
  const output = { fields: [{ name: 'n', dataTypeID: 23, dataTypeModifier: -1 }], rows: [['1']], rowCount: 1, ms: 1, worker: 'w1', attempts: 1 };
  expect(outputToCarry(signer, of, { ...output, rows: null })).toBeUndefined();
  expect(outputToCarry(signer, of, { ...output, rows: many.map((r) => r.map(String)), rowCount: 1001 })).toBeUndefined();
  expect(outputToCarry(signer, of, output)).toBeDefined();
});

test('a fragment’s end carries its rows to the watcher of its query, taken only as this deployment signed them for that fragment', async () => {
  const signer = new JobSigner(['the deployment’s key']);
  const id = randomUUID();
  const of = { queryId: id, generation: 1, index: 2 };
  const output = { fields: [{ name: 'n', dataTypeID: 23, dataTypeModifier: -1 }], rows: [['7']], rowCount: 1, ms: 1, worker: 'w1', attempts: 1 };
  const watched: { type: string; carried?: unknown }[] = [];
  const stop = bus.watch(id, (event) => watched.push(event));
  const live = { index: 2, attempts: 1, worker: 'w1', state: 'done' as const, rows: 1, ms: 1 };
  await reportFragment(
    publisher,
    id,
    live,
    60_000,
    { type: 'fragment-done', id, index: 2, rows: 1, ms: 1, worker: 'w1', attempt: 1 },
    outputToCarry(signer, of, output),
  );
  for (let tries = 0; watched.length === 0 && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  stop();
  const carried = watched[0]?.carried;
  expect(carriedOutput(signer, carried, of)).toEqual(output);
  // Another generation's, another fragment's, another deployment's: not taken.
  expect(carriedOutput(signer, carried, { ...of, generation: 2 })).toBeNull();
  expect(carriedOutput(signer, carried, { ...of, index: 1 })).toBeNull();
  expect(carriedOutput(new JobSigner(['another key']), carried, of)).toBeNull();
  expect(carriedOutput(signer, undefined, of)).toBeNull();
});
