/**
 * A query pool gives idle sessions back after its idle timeout, except the ones it keeps warm: a
 * new session costs 17–20 ms here and plans its first statements on a cold catalog cache, which a
 * dashboard refreshing once a minute would otherwise pay on every refresh.
 */
import type { Pool, PoolClient } from 'pg';
import { useQueryPool } from './__tests__/harness';
import { createQueryPool } from './connection';

const t = useQueryPool('idle_sessions');

const IDLE_MS = 100;

async function backendPids(pool: Pool, sessions: number): Promise<number[]> {
  const clients: PoolClient[] = await Promise.all(Array.from({ length: sessions }, () => pool.connect()));
  try {
    return await Promise.all(clients.map(async (c) => Number((await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid)));
  } finally {
    for (const c of clients) c.release();
  }
}

/** Waits past the idle timeout, and a little more for the pool's timers. */
const idleFor = () => new Promise((resolve) => setTimeout(resolve, IDLE_MS * 4));

test('the sessions kept warm outlive the idle timeout; the others are given back', async () => {
  const pool = createQueryPool({ connectionString: t.db.url, max: 4, idleTimeoutMs: IDLE_MS, keepIdle: 2 });
  try {
    const opened = await backendPids(pool, 4);
    await idleFor();
    expect(pool.totalCount).toBe(2);
    // The same sessions serve again: nothing new was opened for them.
    const again = await backendPids(pool, 2);
    expect(opened).toEqual(expect.arrayContaining(again));
  } finally {
    await pool.end();
  }
});

test('without sessions to keep, every idle one is given back', async () => {
  const pool = createQueryPool({ connectionString: t.db.url, max: 4, idleTimeoutMs: IDLE_MS });
  try {
    await backendPids(pool, 3);
    await idleFor();
    expect(pool.totalCount).toBe(0);
  } finally {
    await pool.end();
  }
});
