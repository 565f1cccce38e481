import type { Queues } from '@pgfan/dispatch';
import type { Redis } from 'ioredis';
import { percentile, StatsCollector } from './stats';

test('percentile is nearest-rank', () => {
  expect(percentile([], 50)).toBeNull();
  expect(percentile([10], 95)).toBe(10);
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
});

test('throughput counts endings of the last 10 s; latency, completions of the last minute', () => {
  const stats = new StatsCollector({} as Redis, {} as Queues);
  const now = Date.parse('2026-11-23T10:01:00Z');
  const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();
  const id = '11111111-2222-4333-8444-555555555555';
  stats.record({ type: 'completed', id, at: at(70), rowCount: 1, totalMs: 1000 });
  stats.record({ type: 'completed', id, at: at(30), rowCount: 1, totalMs: 40 });
  stats.record({ type: 'completed', id, at: at(5), rowCount: 1, totalMs: 10 });
  stats.record({ type: 'completed', id, at: at(2), rowCount: 1, totalMs: 20 });
  stats.record({ type: 'failed', id, at: at(1), totalMs: 5, error: { code: 'QUERY_FAILED', message: 'x' } });
  stats.record({ type: 'combining', id, at: at(1) });
  expect(stats.summarize(now)).toEqual({ throughput: 0.3, latency: { p50: 20, p95: 40, count: 3 } });
});
