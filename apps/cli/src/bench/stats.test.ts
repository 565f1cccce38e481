import { interleave, quantile, speedup, summarize } from './stats';

test('quantiles are nearest-rank, on unsorted input', () => {
  expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
  expect(quantile([5, 1, 4, 2, 3], 0.95)).toBe(5);
  expect(quantile([7], 0.99)).toBe(7);
  expect(quantile([], 0.5)).toBeNaN();
  expect(summarize([3, 1, 2])).toEqual({ n: 3, median: 2, p95: 3, min: 1 });
});

test('interleaving rotates the modes, so each runs in every position', () => {
  expect(interleave(['A', 'B', 'C'], 4)).toEqual([
    ['A', 'B', 'C'],
    ['B', 'C', 'A'],
    ['C', 'A', 'B'],
    ['A', 'B', 'C'],
  ]);
});

test('speed-up: how many times faster the candidate is', () => {
  expect(speedup(100, 50)).toBe(2);
  expect(speedup(100, 200)).toBe(0.5);
  expect(speedup(100, 0)).toBeNaN();
});
