/**
 * The contract pgfan's own Submittables (`CappedQuery`, `FragmentCursor`, wire.ts) hold with
 * node-postgres internals that its public API does not promise: the Connection's protocol
 * methods and socket, the Submittable callbacks a Client calls, and the row decoder in
 * `pg/lib/result.js`. pg is pinned to one version; upgrading it must keep this test green.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PoolClient, Submittable } from 'pg';
import { useQueryPool } from './__tests__/harness';
import { rowDecoder, type Connection } from './wire';

const t = useQueryPool('pg_internals');

const connectionOf = (client: PoolClient) => (client as unknown as { connection: Connection }).connection;

test('pg is pinned to the installed version, in every package that declares it', () => {
  const root = join(__dirname, '..', '..', '..');
  const installed = (JSON.parse(readFileSync(require.resolve('pg/package.json'), 'utf8')) as { version: string }).version;
  const workspaces = ['packages', 'apps'].flatMap((parent) => readdirSync(join(root, parent)).map((name) => join(parent, name)));
  const declared = workspaces.flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const range = manifest.dependencies?.pg ?? manifest.devDependencies?.pg;
    return range === undefined ? [] : [[dir, range]];
  });
  expect(declared.length).toBeGreaterThan(5);
  expect(declared.filter(([, range]) => range !== installed)).toEqual([]);
});

test("a Client's connection has the protocol methods and the socket the Submittables write to", async () => {
  const client = await t.pool.connect();
  try {
    const connection = connectionOf(client);
    const methods = ['parse', 'bind', 'describe', 'execute', 'close', 'flush', 'sync', 'query', 'sendCopyFromChunk', 'endCopyFrom', 'sendCopyFail'] as const;
    for (const method of methods) {
      expect([method, typeof connection[method]]).toEqual([method, 'function']);
    }
    for (const method of ['cork', 'uncork', 'pause', 'resume', 'once'] as const) {
      expect([method, typeof connection.stream[method]]).toEqual([method, 'function']);
    }
    expect(typeof connection.stream.writableNeedDrain).toBe('boolean');
  } finally {
    client.release();
  }
});

test('a Client calls a Submittable back as the Submittables expect, in protocol order', async () => {
  const client = await t.pool.connect();
  const calls: string[] = [];
  try {
    const done = new Promise<void>((resolve) => {
      const submittable = {
        submit(connection: Connection) {
          connection.parse({ text: 'SELECT g FROM generate_series(1, 2) g' });
          connection.bind({ values: [] });
          connection.describe({ type: 'P' });
          connection.execute({ rows: 1 });
          connection.flush();
        },
        handleRowDescription: () => calls.push('RowDescription'),
        handleDataRow: () => calls.push('DataRow'),
        handlePortalSuspended: (connection: Connection) => {
          calls.push('PortalSuspended');
          connection.sync();
        },
        handleCommandComplete: () => calls.push('CommandComplete'),
        handleEmptyQuery: () => calls.push('EmptyQuery'),
        handleError: () => calls.push('Error'),
        handleCopyInResponse: () => calls.push('CopyInResponse'),
        handleCopyData: () => calls.push('CopyData'),
        handleReadyForQuery: () => {
          calls.push('ReadyForQuery');
          resolve();
        },
      };
      client.query(submittable as unknown as Submittable);
    });
    await done;
    expect(calls).toEqual(['RowDescription', 'DataRow', 'PortalSuspended', 'ReadyForQuery']);
  } finally {
    client.release();
  }
});

test("pg's row decoder keeps array rows as PostgreSQL's text", () => {
  const decoder = rowDecoder();
  decoder.addFields([
    { name: 'n', tableID: 0, columnID: 0, dataTypeID: 20, dataTypeSize: 8, dataTypeModifier: -1, format: 'text' },
    { name: 'at', tableID: 0, columnID: 0, dataTypeID: 1184, dataTypeSize: 8, dataTypeModifier: -1, format: 'text' },
  ]);
  expect(decoder.fields.map((f) => f.name)).toEqual(['n', 'at']);
  expect(decoder.parseRow(['9007199254740993', '2026-12-05 12:00:00+00'])).toEqual(['9007199254740993', '2026-12-05 12:00:00+00']);
  expect(decoder.parseRow([null, null])).toEqual([null, null]);
});
