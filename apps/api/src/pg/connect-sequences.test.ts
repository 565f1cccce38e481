/**
 * BI tools' connect-and-browse sequences (clients/sessions.ts) replayed through pgfan's port and
 * against PostgreSQL itself, each statement as the tool's driver sends it: the same rows, the
 * same column descriptions, the same errors; and the tool's own query at the end fanned out.
 */
import { Client, type FieldDef } from 'pg';
import type { QueryView } from '@pgfan/contracts';
import { sameAllowingFloatRounding, startSystem, type System } from '@pgfan/testing';
import { RECORDED_SESSIONS } from './clients/sessions';

let system: System;

beforeAll(async () => {
  system = await startSystem({ label: 'connect_sequences' });
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

type Outcome = { command: string | null; fields: Pick<FieldDef, 'name' | 'dataTypeID' | 'tableID' | 'columnID'>[]; rows: unknown[][] } | { error: string };

async function replay(client: Client, statements: string[], protocol: 'simple' | 'extended'): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const text of statements) {
    try {
      const result = await client.query({ text, rowMode: 'array', ...(protocol === 'extended' ? { queryMode: 'extended' as const } : {}) });
      outcomes.push({
        command: result.command,
        fields: result.fields.map(({ name, dataTypeID, tableID, columnID }) => ({ name, dataTypeID, tableID, columnID })),
        rows: result.rows,
      });
    } catch (error) {
      outcomes.push({ error: `${(error as { code?: string }).code}: ${(error as Error).message}` });
    }
  }
  return outcomes;
}

test.each(RECORDED_SESSIONS.map((s) => [s.tool, s] as const))('%s: every statement as PostgreSQL answers it, its query fanned out', async (_, session) => {
  const [host, port] = (system.pgAddress ?? '').split(':');
  const url = new URL(system.queryUrl);
  const through = new Client({ host, port: Number(port), user: 'anyone', database: system.db.name });
  const direct = new Client({ host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), database: system.db.name });
  await Promise.all([through.connect(), direct.connect()]);
  try {
    const [got, want] = await Promise.all([replay(through, session.statements, session.protocol), replay(direct, session.statements, session.protocol)]);
    const differing = session.statements.filter((_, i) => !sameAllowingFloatRounding(got[i], want[i]));
    expect(differing).toEqual([]);
    expect(want.filter((o) => 'error' in o)).toEqual([]);
  } finally {
    await Promise.all([through.end(), direct.end()]);
  }
  const { body } = await system.request<{ queries: QueryView[] }>('GET', '/api/queries?limit=100');
  expect(body.queries.find((q) => q.sql === session.fannedOut)).toMatchObject({ status: 'completed', plan: { mode: 'fan-out' } });
});
