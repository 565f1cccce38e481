import type { PlanRecheck } from '@pgfan/engine';
import type { Plan } from '@pgfan/planner';
import { PlanCache } from './plan-cache';

const plan = (mode: Plan['mode']) => ({
  plan: { sql: 'SELECT 1', mode, reason: 'r', partitions: 1, strategy: 'none', table: null, fragments: [], combine: null, prediction: null } as Plan,
});
const recheck: PlanRecheck = { reading: '[]', totalCost: 1, probeSql: 'SELECT 1', hiddenCount: 0, probe: [] };

test('keeps plans that run the query as written, for its TTL', () => {
  let clock = 0;
  const cache = new PlanCache({ ttlMs: 5_000, maxEntries: 10, now: () => clock });
  const key = PlanCache.key('SELECT 1', undefined, 4);
  cache.remember(key, plan('as-written'));
  expect(cache.get(key)?.plan.mode).toBe('as-written');
  clock = 4_999;
  expect(cache.get(key)).toBeDefined();
  clock = 5_000;
  expect(cache.get(key)).toBeUndefined();
});

test('keeps split plans only with what to recheck them by, and keeps nothing with a TTL of 0', () => {
  const cache = new PlanCache({ ttlMs: 5_000 });
  cache.remember('a', plan('fan-out'));
  expect(cache.get('a')).toBeUndefined();
  // What planning returns comes with the parse, which a reuse does not need: not kept.
  const planned = { ...plan('fan-out'), recheck, parsed: { sql: 'SELECT 1' } };
  cache.remember('a', planned);
  expect(cache.get('a')).toEqual({ ...plan('fan-out'), recheck, aged: false });
  const off = new PlanCache({ ttlMs: 0, checkedReuseMs: 60_000 });
  off.remember('b', plan('as-written'));
  expect(off.get('b')).toBeUndefined();
});

test("a run as written to learn the statement's time is not kept; a split the model chose keeps the lessons and the measurement it was made with", () => {
  const cache = new PlanCache({ ttlMs: 5_000 });
  const explores = { ...plan('as-written').plan, prediction: { asWrittenMs: 106, fanOutMs: 78, automatic: true, queryClass: 'scan', explores: true } } as Plan;
  cache.remember('explores', { plan: explores });
  expect(cache.get('explores')).toBeUndefined();
  const measurement = { databaseParallelism: 2, msPerCost: 0.0013, parallelStartMs: 4.6, parallelWorkerStartMs: 0.5 };
  cache.remember('split', { ...plan('fan-out'), recheck, statement: { fanOutScale: 1.5 }, measurement });
  expect(cache.get('split')).toEqual({ ...plan('fan-out'), recheck, statement: { fanOutScale: 1.5 }, measurement, aged: false });
});

test('the text, the requested partitions and the worker slots all make the key', () => {
  expect(
    new Set([
      PlanCache.key('SELECT 1', undefined, 4),
      PlanCache.key('SELECT 1 ', undefined, 4),
      PlanCache.key('SELECT 1', 2, 4),
      PlanCache.key('SELECT 1', undefined, 2),
    ]).size,
  ).toBe(4);
});

test('a decision made behind a backlog is not kept: once the workers are free, the query may fan out', () => {
  const cache = new PlanCache({ ttlMs: 5_000 });
  cache.remember('busy', plan('as-written'), 3);
  expect(cache.get('busy')).toBeUndefined();
  cache.remember('idle', plan('as-written'), 0);
  expect(cache.get('idle')).toBeDefined();
  // Behind a backlog, running as written still holds; fanning out may no longer pay.
  expect(cache.get('idle', 3)).toBeDefined();
  cache.remember('split', { ...plan('fan-out'), recheck }, 0);
  expect([cache.get('split', 0), cache.get('split', 3)].map(Boolean)).toEqual([true, false]);
});

test('when full, the oldest entry makes room', () => {
  const cache = new PlanCache({ ttlMs: 5_000, maxEntries: 2 });
  cache.remember('a', plan('as-written'));
  cache.remember('b', plan('as-written'));
  cache.remember('c', plan('as-written'));
  expect([cache.get('a'), cache.get('b'), cache.get('c')].map(Boolean)).toEqual([false, true, true]);
});

test("past the cache's life, a decision the model made to run as written, and a split plan, are kept to their horizon, marked aged", () => {
  let clock = 0;
  const cache = new PlanCache({ ttlMs: 5_000, checkedReuseMs: 300_000, now: () => clock });
  const automatic = { ...plan('as-written'), statement: { costScale: 1.2 } };
  cache.remember('model', automatic);
  cache.remember('unmodelled', plan('as-written'));
  cache.remember('split', { ...plan('fan-out'), recheck, statement: { fanOutScale: 1.5 } });
  cache.remember('requested split', { ...plan('fan-out'), recheck });
  expect(cache.get('model')).toEqual({ ...automatic, aged: false });
  clock = 5_000;
  expect(cache.get('model')).toEqual({ ...automatic, aged: true });
  // A split is checked before every reuse anyway (its reading, its probe, its estimate, and its
  // lessons when the model chose it). Without lessons to check, the cache's life is all.
  expect(cache.get('split')).toEqual({ ...plan('fan-out'), recheck, statement: { fanOutScale: 1.5 }, aged: true });
  expect(cache.get('requested split')?.aged).toBe(true);
  expect(cache.get('unmodelled')).toBeUndefined();
  clock = 299_999;
  expect([cache.get('model')?.aged, cache.get('split')?.aged]).toEqual([true, true]);
  clock = 300_000;
  expect([cache.get('model'), cache.get('split')]).toEqual([undefined, undefined]);
});

test("a horizon shorter than the cache's life is the cache's life", () => {
  let clock = 0;
  const cache = new PlanCache({ ttlMs: 5_000, checkedReuseMs: 1_000, now: () => clock });
  cache.remember('model', { ...plan('as-written'), statement: {} });
  clock = 4_999;
  expect(cache.get('model')?.aged).toBe(false);
  clock = 5_000;
  expect(cache.get('model')).toBeUndefined();
});

test("an aged plan whose lessons were found to stand is reused unchecked for the cache's life again, up to its horizon", () => {
  let clock = 0;
  const cache = new PlanCache({ ttlMs: 5_000, checkedReuseMs: 12_000, now: () => clock });
  cache.remember('model', { ...plan('as-written'), statement: {} });
  clock = 6_000;
  expect(cache.get('model')?.aged).toBe(true);
  cache.confirm('model');
  clock = 10_999;
  expect(cache.get('model')?.aged).toBe(false);
  clock = 11_000;
  expect(cache.get('model')?.aged).toBe(true);
  // From when it was made, not last confirmed: a statement sent all day is still planned afresh.
  clock = 12_000;
  expect(cache.get('model')).toBeUndefined();
});
