import { Recent } from './recent';

/** A count of its reads, kept for 1 s on a clock the test moves: each read answers how many there have been. */
function counted() {
  const at = { clock: 0, reads: 0 };
  const recent = new Recent(
    async () => ++at.reads,
    1_000,
    () => at.clock,
  );
  return { at, recent };
}

test('reads again only once the last read is maxAgeMs old, and callers meanwhile share it', async () => {
  const { at, recent } = counted();
  expect(await Promise.all([recent.get(), recent.get()])).toEqual([1, 1]);
  at.clock = 999;
  expect(await recent.get()).toBe(1);
  at.clock = 1_000;
  expect(await recent.get()).toBe(2);
  expect(at.reads).toBe(2);
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

describe('kept fresh', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('it reads again in the background, so that a caller after a pause finds a young read without making one', async () => {
    const { at, recent } = counted();
    const stop = recent.keepFresh();
    expect(await recent.get()).toBe(1);
    // Ten seconds without a caller: a read every half of maxAgeMs.
    for (let i = 0; i < 20; i++) {
      at.clock += 500;
      await jest.advanceTimersByTimeAsync(500);
    }
    expect(at.reads).toBe(21);
    expect(await recent.get()).toBe(21);
    expect(at.reads).toBe(21);
    stop();
    at.clock += 10_000;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(at.reads).toBe(21);
  });

  test('a read still in flight is not waited for: callers have the last one settled until it settles', async () => {
    let clock = 0;
    const answers: ((value: number) => void)[] = [];
    const recent = new Recent(
      () => new Promise<number>((resolve) => answers.push(resolve)),
      1_000,
      () => clock,
    );
    const stop = recent.keepFresh();
    const first = recent.get();
    answers[0]!(1);
    expect(await first).toBe(1);
    clock = 500;
    await jest.advanceTimersByTimeAsync(500);
    expect(answers).toHaveLength(2);
    expect(await recent.get()).toBe(1);
    // Nor is a second one started while it is.
    clock = 900;
    await jest.advanceTimersByTimeAsync(500);
    expect(answers).toHaveLength(2);
    answers[1]!(2);
    await jest.advanceTimersByTimeAsync(0);
    expect(await recent.get()).toBe(2);
    stop();
  });
});
