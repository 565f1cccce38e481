import type { HeldSnapshots } from '@pgfan/runtime';
import { Coordinations } from './coordinations';

const held = (): HeldSnapshots & { released: number } => {
  const snapshot = {
    released: 0,
    lost: new Promise<void>(() => undefined),
    release: async () => {
      snapshot.released += 1;
    },
  };
  return snapshot;
};

test('places up to the cap; a place comes back when its hold ends, however it ends', async () => {
  const coordinations = new Coordinations(2);
  expect([coordinations.tryEnter(), coordinations.tryEnter(), coordinations.tryEnter()]).toEqual([true, true, false]);
  let endFirst = () => {};
  coordinations.keep(held(), new Promise<void>((resolve) => (endFirst = resolve)));
  coordinations.keep(null, Promise.reject(new Error('the store went away')));
  await new Promise((resolve) => setImmediate(resolve));
  expect(coordinations.size).toBe(1);
  endFirst();
  await new Promise((resolve) => setImmediate(resolve));
  expect(coordinations.size).toBe(0);
  coordinations.tryEnter();
  coordinations.leave();
  expect(coordinations.size).toBe(0);
});

test('at shutdown, the snapshots still held are let go of; those whose holds ended are not touched', async () => {
  const coordinations = new Coordinations(4);
  const [running, ended] = [held(), held()];
  coordinations.tryEnter();
  coordinations.keep(running, new Promise<void>(() => undefined));
  coordinations.tryEnter();
  coordinations.keep(ended, Promise.resolve());
  await new Promise((resolve) => setImmediate(resolve));
  await coordinations.releaseAll();
  expect([running.released, ended.released]).toEqual([1, 0]);
});
