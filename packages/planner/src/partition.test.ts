import fc from 'fast-check';
import { choosePartitions, pageRanges } from './partition';

describe('pageRanges', () => {
  test('splits pages evenly; the last range is open-ended', () => {
    expect(pageRanges(10, 3)).toEqual([
      { fromPage: 0, toPage: 3 },
      { fromPage: 3, toPage: 6 },
      { fromPage: 6, toPage: null },
    ]);
  });

  test('more partitions than pages leaves some ranges empty', () => {
    expect(pageRanges(1, 3)).toEqual([
      { fromPage: 0, toPage: 0 },
      { fromPage: 0, toPage: 0 },
      { fromPage: 0, toPage: null },
    ]);
  });

  test('ranges always cover every page from 0 up, once, without gaps', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.integer({ min: 1, max: 64 }), (pages, count) => {
        const ranges = pageRanges(pages, count);
        expect(ranges).toHaveLength(count);
        expect(ranges[0]?.fromPage).toBe(0);
        ranges.forEach((r, i) => {
          const next = ranges[i + 1];
          if (next) expect(r.toPage).toBe(next.fromPage);
          else expect(r.toPage).toBeNull();
          if (r.toPage !== null) expect(r.toPage).toBeGreaterThanOrEqual(r.fromPage);
        });
      }),
    );
  });
});

describe('choosePartitions', () => {
  const policy = { minPagesPerPartition: 1000, maxPartitions: 64 };

  test('an explicit request wins, whatever the table size', () => {
    expect(choosePartitions(1, 7, 2, policy)).toEqual({ count: 7, reason: '7 partitions requested' });
  });

  test('refuses impossible requests', () => {
    expect(() => choosePartitions(1, 0, 2, policy)).toThrow(RangeError);
    expect(() => choosePartitions(1, 65, 2, policy)).toThrow(RangeError);
    expect(() => choosePartitions(1, 1.5, 2, policy)).toThrow(RangeError);
  });

  test('small tables run as one piece, with the reason', () => {
    expect(choosePartitions(1500, undefined, 4, policy)).toEqual({
      count: null,
      reason: 'the table has 1500 pages, too few to gain from splitting (under 2000)',
    });
  });

  test('one worker gains nothing from splitting', () => {
    expect(choosePartitions(100_000, undefined, 1, policy)).toEqual({ count: null, reason: 'only 1 worker is available' });
  });

  test('large tables split across the workers, at most one fragment per worker', () => {
    expect(choosePartitions(100_000, undefined, 4, policy)).toEqual({ count: 4, reason: '100000 pages split across 4 workers' });
    expect(choosePartitions(3000, undefined, 8, policy)).toMatchObject({ count: 3 });
  });
});
