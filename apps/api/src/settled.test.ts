import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { settledWithin } from './settled';

// A collection in the middle of the wait: what CI's memory pressure does to a long test run.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const never = new Promise<never>(() => {});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('resolves with the value when the promise settles first', async () => {
  expect(await settledWithin(Promise.resolve(7), 1000, new AbortController().signal)).toEqual({ value: 7 });
});

test('rejects as the promise does', async () => {
  await expect(settledWithin(Promise.reject(new Error('no')), 1000, new AbortController().signal)).rejects.toThrow('no');
});

test('null once the time is up, even when the garbage is collected while it waits', async () => {
  const ended = settledWithin(never, 100, new AbortController().signal);
  await sleep(20);
  collectGarbage();
  expect(await Promise.race([ended, sleep(1000).then(() => 'still waiting')])).toBeNull();
});

test('null when the signal aborts, at once if it already has', async () => {
  const controller = new AbortController();
  const ended = settledWithin(never, 60_000, controller.signal);
  collectGarbage();
  controller.abort();
  expect(await ended).toBeNull();
  expect(await settledWithin(never, 60_000, controller.signal)).toBeNull();
});
