/** Cuts shared like a group commit: which queries take which cut, and when its snapshots go. */
import type { HeldSnapshot } from '@pgfan/engine';
import { SharedCuts, type CutMade } from './shared-cuts';

/** A snapshot that records what was done to it, as exportSnapshot's handle would be. */
function snapshot(id: string) {
  let markLost = () => {};
  const events: string[] = [];
  const held: HeldSnapshot & { events: string[]; loseIt(): void; failExtend: boolean } = {
    id,
    position: null,
    lost: new Promise<void>((resolve) => (markLost = resolve)),
    events,
    failExtend: false,
    release: async () => void events.push('released'),
    extend: async (ms: number) => {
      if (held.failExtend) throw new Error('session gone');
      events.push(`extended ${ms > 0 ? 'ahead' : 'behind'}`);
    },
    loseIt: () => markLost(),
  };
  return held;
}

function maker(lsn: bigint, heldUntil = Date.now() + 60_000) {
  const made: ReturnType<typeof snapshot>[][] = [];
  const make = async () => {
    await new Promise((r) => setTimeout(r, 5));
    const snapshots = [snapshot(`a${made.length}`), snapshot(`b${made.length}`)];
    made.push(snapshots);
    const cut: CutMade = { lsn, snapshots: new Map(SERVERS.map((name, i) => [name, snapshots[i]!])), ms: 5, attempts: 1, catchUpMs: 1, lockMs: 0 };
    return { cut, heldUntil };
  };
  return { make, made };
}

const SERVERS = ['r1:5432', 'r2:5432'];

test('queries placed while a cut is being made take it: one pause for all', async () => {
  const cuts = new SharedCuts();
  const { make, made } = maker(100n);
  const leases = await Promise.all([0, 1, 2].map(() => cuts.lease(SERVERS, 90n, Date.now() + 1000, make)));
  expect(made).toHaveLength(1);
  expect(leases.map((l) => typeof l !== 'string' && [l.lsn, l.shared, l.attempts])).toEqual([
    [100n, false, 1],
    [100n, true, 0],
    [100n, true, 0],
  ]);
});

test('a held cut serves a query whose target it covers, in any server order; one behind its target does not', async () => {
  const cuts = new SharedCuts();
  const { make, made } = maker(100n);
  const first = await cuts.lease(SERVERS, 100n, Date.now() + 1000, make);
  const covered = await cuts.lease([...SERVERS].reverse(), 100n, Date.now() + 1000, make);
  expect(typeof covered !== 'string' && covered.shared).toBe(true);
  // Each server's own snapshot, whatever order the servers were listed in.
  expect(typeof covered !== 'string' && covered.snapshots.get('r2:5432')?.id).toBe('b0');
  const later = maker(150n);
  const behind = await cuts.lease(SERVERS, 120n, Date.now() + 1000, later.make);
  expect(typeof behind !== 'string' && [behind.lsn, behind.shared]).toEqual([150n, false]);
  expect([made.length, later.made.length]).toEqual([1, 1]);
  expect(typeof first).toBe('object');
});

test("the last lease out releases the cut's snapshots, and a released cut serves nobody", async () => {
  const cuts = new SharedCuts();
  const { make, made } = maker(100n);
  const [a, b] = await Promise.all([0, 1].map(() => cuts.lease(SERVERS, 100n, Date.now() + 1000, make)));
  if (typeof a !== 'object' || typeof b !== 'object') throw new Error('no cut');
  await a.release();
  await a.release();
  expect(made[0]!.map((s) => s.events)).toEqual([[], []]);
  await b.release();
  expect(made[0]!.map((s) => s.events)).toEqual([['released'], ['released']]);
  await cuts.lease(SERVERS, 100n, Date.now() + 1000, make);
  expect(made).toHaveLength(2);
});

test('a query that needs the snapshots longer extends them; if it cannot, it gets a cut of its own', async () => {
  const cuts = new SharedCuts();
  const { make, made } = maker(100n, Date.now() + 1000);
  await cuts.lease(SERVERS, 100n, Date.now() + 1000, make);
  const longer = await cuts.lease(SERVERS, 100n, Date.now() + 30_000, make);
  expect(typeof longer !== 'string' && longer.shared).toBe(true);
  expect(made[0]!.map((s) => s.events)).toEqual([['extended ahead'], ['extended ahead']]);
  made[0]![1]!.failExtend = true;
  const longest = await cuts.lease(SERVERS, 100n, Date.now() + 60_000, make);
  expect(typeof longest !== 'string' && longest.shared).toBe(false);
  expect(made).toHaveLength(2);
});

test('a cut with a lost snapshot serves nobody new', async () => {
  const cuts = new SharedCuts();
  const { make, made } = maker(100n);
  await cuts.lease(SERVERS, 100n, Date.now() + 1000, make);
  made[0]![0]!.loseIt();
  await new Promise((r) => setImmediate(r));
  const next = await cuts.lease(SERVERS, 100n, Date.now() + 1000, make);
  expect(typeof next !== 'string' && next.shared).toBe(false);
});

test('why no cut could be made is passed on, and the next query tries again', async () => {
  const cuts = new SharedCuts();
  let tries = 0;
  const failing = async () => (tries++, 'replicas paused at 0/1, 0/2');
  expect(await cuts.lease(SERVERS, 1n, Date.now() + 1000, failing)).toBe('replicas paused at 0/1, 0/2');
  expect(await cuts.lease(SERVERS, 1n, Date.now() + 1000, failing)).toBe('replicas paused at 0/1, 0/2');
  expect(tries).toBe(2);
});
