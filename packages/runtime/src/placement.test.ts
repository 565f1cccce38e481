/** Where one query runs, from what the servers reported: pure. */
import { automaticSpread, lagBytes, rankServers, type ServerSighting } from './placement';
import { ConfigError } from './config';
import { queryServerSpecs, serverName } from './servers';

const primary = (lsn: bigint, active = 0): ServerSighting => ({ name: 'p:5432', role: 'primary', state: { lsn, active, standby: false, systemId: '7' } });
const replica = (name: string, lsn: bigint | null, active = 0): ServerSighting => ({
  name,
  role: 'replica',
  state: lsn === null ? null : { lsn, active, standby: true, systemId: '7' },
});
const first = () => 0;

test('a replica that has not replayed up to the primary is never chosen: the query would miss its submitter’s writes', () => {
  expect(rankServers([primary(100n), replica('r1:1', 99n), replica('r2:1', 100n)], 100n, 'any', first)).toEqual(['r2:1', 'p:5432']);
  expect(rankServers([primary(100n), replica('r1:1', 99n)], 100n, 'replicas', first)).toEqual([]);
});

test('the least busy server first; among equals a replica before the primary', () => {
  const servers = [primary(100n, 0), replica('r1:1', 100n, 3), replica('r2:1', 120n, 1)];
  expect(rankServers(servers, 100n, 'any', first)).toEqual(['p:5432', 'r2:1', 'r1:1']);
  expect(rankServers([primary(100n, 1), replica('r1:1', 100n, 1)], 100n, 'any', first)).toEqual(['r1:1', 'p:5432']);
});

test('READ_FROM keeps queries on the primary, or off it', () => {
  const servers = [primary(100n), replica('r1:1', 100n)];
  expect(rankServers(servers, 100n, 'primary', first)).toEqual(['p:5432']);
  expect(rankServers(servers, 100n, 'replicas', first)).toEqual(['r1:1']);
});

test('a listed replica that is not one of this primary is never chosen: promoted, or of another cluster', () => {
  const promoted: ServerSighting = { name: 'r1:1', role: 'replica', state: { lsn: 200n, active: 0, standby: false, systemId: '7' } };
  const stranger: ServerSighting = { name: 'r2:1', role: 'replica', state: { lsn: 200n, active: 0, standby: true, systemId: '8' } };
  expect(rankServers([primary(100n), promoted, stranger, replica('r3:1', 100n)], 100n, 'any', first)).toEqual(['r3:1', 'p:5432']);
});

test('an unreachable server is skipped; without the primary no replica is proven its replica', () => {
  expect(rankServers([primary(100n), replica('r1:1', null), replica('r2:1', 100n)], 100n, 'any', first)).toEqual(['r2:1', 'p:5432']);
  expect(rankServers([{ name: 'p:5432', role: 'primary', state: null }, replica('r1:1', 100n)], 100n, 'any', first)).toEqual([]);
});

test('equally busy replicas are taken in random order, so queries placed at once spread', () => {
  const servers = [primary(100n), replica('r1:1', 100n), replica('r2:1', 100n)];
  let n = 0;
  const alternating = () => [0.9, 0.1, 0.1, 0.9][n++ % 4]!;
  expect([rankServers(servers, 100n, 'replicas', alternating)[0], rankServers(servers, 100n, 'replicas', alternating)[0]]).toEqual(['r2:1', 'r1:1']);
});

test("a replica's lag is the WAL it has still to replay", () => {
  expect(lagBytes(0x2_0000_0010n, 0x1_ffff_fff0n)).toBe(32);
  expect(lagBytes(100n, 120n)).toBe(0);
  expect(lagBytes(null, 1n)).toBeNull();
});

test('servers are named host:port, and one listed twice is a configuration error', () => {
  expect(serverName('postgres://u:secret@db-1.example:6543/app')).toBe('db-1.example:6543');
  expect(serverName('postgresql://db/app')).toBe('db:5432');
  const specs = queryServerSpecs('postgres://p/app', ['postgres://r1/app', 'postgres://r2:5433/app'], 'any');
  expect(specs.map((s) => [s.name, s.role])).toEqual([
    ['p:5432', 'primary'],
    ['r1:5432', 'replica'],
    ['r2:5433', 'replica'],
  ]);
  expect(() => queryServerSpecs('postgres://p/app', ['postgres://p:5432/other'], 'any')).toThrow(
    new ConfigError('invalid setting REPLICA_URLS: p:5432 is listed twice (or is the primary)'),
  );
  expect(() => queryServerSpecs('postgres://p/app', ['http://r1/app'], 'any')).toThrow(/REPLICA_URLS: http:\/\/r1\/app is not a postgres:\/\/ URL/);
  expect(() => queryServerSpecs('postgres://p/app', [], 'replicas')).toThrow('invalid setting READ_FROM: "replicas" needs REPLICA_URLS');
});

describe('automaticSpread: how many replicas a fan-out that did not ask is spread over', () => {
  const idle = (parallelism: number | null = 2) => ({ active: 0, parallelism });
  test('a long fan-out over the replicas with free capacity, one per fragment at most', () => {
    expect(automaticSpread(4, 800, [idle(), idle()], 250)).toBe(2);
    expect(automaticSpread(4, 800, [idle(), idle(), idle()], 250)).toBe(3);
    expect(automaticSpread(2, 800, [idle(), idle(), idle()], 250)).toBe(2);
  });
  test('one server when the fan-out is short, unpredicted, or fewer than two replicas are free', () => {
    expect(automaticSpread(4, 100, [idle(), idle()], 250)).toBe(1);
    expect(automaticSpread(4, null, [idle(), idle()], 250)).toBe(1);
    expect(automaticSpread(4, 800, [idle(), { active: 2, parallelism: 2 }], 250)).toBe(1);
    expect(automaticSpread(4, 800, [idle()], 250)).toBe(1);
    expect(automaticSpread(1, 800, [idle(), idle()], 250)).toBe(1);
  });
  test('a replica not measured yet counts as one session of capacity', () => {
    expect(automaticSpread(4, 800, [idle(null), { active: 1, parallelism: null }], 250)).toBe(1);
    expect(automaticSpread(4, 800, [idle(null), idle(null)], 250)).toBe(2);
  });
});
