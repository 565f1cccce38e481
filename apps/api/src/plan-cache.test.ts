import type { Plan } from '@pgfan/planner';
import { PlanCache } from './plan-cache';

const plan = (mode: Plan['mode']): Plan =>
  ({ mode, reason: 'r', partitions: 1, strategy: 'none', table: null, fragments: [], combine: null, prediction: null }) as Plan;

test('keeps plans that run the query as written, for its TTL', () => {
  let clock = 0;
  const cache = new PlanCache(5_000, 10, () => clock);
  const key = PlanCache.key('SELECT 1', undefined, { slots: 4, backlog: 0 });
  cache.remember(key, plan('sequential'));
  expect(cache.get(key)?.mode).toBe('sequential');
  clock = 4_999;
  expect(cache.get(key)).toBeDefined();
  clock = 5_000;
  expect(cache.get(key)).toBeUndefined();
});

test('never keeps split plans, and keeps nothing with a TTL of 0', () => {
  const cache = new PlanCache(5_000);
  cache.remember('a', plan('parallel'));
  expect(cache.get('a')).toBeUndefined();
  const off = new PlanCache(0);
  off.remember('b', plan('sequential'));
  expect(off.get('b')).toBeUndefined();
});

test('the text, the requested partitions, the worker slots and those free all make the key', () => {
  const idle = { slots: 4, backlog: 0 };
  expect(
    new Set([
      PlanCache.key('SELECT 1', undefined, idle),
      PlanCache.key('SELECT 1 ', undefined, idle),
      PlanCache.key('SELECT 1', 2, idle),
      PlanCache.key('SELECT 1', undefined, { slots: 2, backlog: 0 }),
      // Planned as written while the workers were busy: not what to do once they are free.
      PlanCache.key('SELECT 1', undefined, { slots: 4, backlog: 3 }),
    ]).size,
  ).toBe(5);
  // Only the slots left count, not how deep the queue behind them is.
  expect(PlanCache.key('SELECT 1', undefined, { slots: 4, backlog: 3 })).toBe(PlanCache.key('SELECT 1', undefined, { slots: 4, backlog: 30 }));
});

test('when full, the oldest entry makes room', () => {
  const cache = new PlanCache(5_000, 2);
  cache.remember('a', plan('sequential'));
  cache.remember('b', plan('sequential'));
  cache.remember('c', plan('sequential'));
  expect([cache.get('a'), cache.get('b'), cache.get('c')].map(Boolean)).toEqual([false, true, true]);
});
