import { Recent } from './recent';

test('reads again only once the last read is maxAgeMs old, and callers meanwhile share it', async () => {
  let clock = 0;
  let reads = 0;
  const recent = new Recent(
    async () => ++reads,
    1_000,
    () => clock,
  );
  expect(await Promise.all([recent.get(), recent.get()])).toEqual([1, 1]);
  clock = 999;
  expect(await recent.get()).toBe(1);
  clock = 1_000;
  expect(await recent.get()).toBe(2);
  expect(reads).toBe(2);
});

test('a failed read is kept too, so a source that is down is not asked by every caller', async () => {
  let clock = 0;
  let attempts = 0;
  const failing = new Recent(
    () => Promise.reject(new Error(`attempt ${++attempts}`)),
    5_000,
    () => clock,
  );
  await expect(failing.get()).rejects.toThrow('attempt 1');
  await expect(failing.get()).rejects.toThrow('attempt 1');
  clock = 5_000;
  await expect(failing.get()).rejects.toThrow('attempt 2');
});
