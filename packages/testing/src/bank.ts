/**
 * A bank, for the tests of consistency across servers: balances only move between accounts, so
 * their sum never changes, while every transfer changes which rows hold what (and, as updates,
 * moves rows across pages). An answer read from states that were not one committed state shows
 * a different total.
 */
import { Client } from 'pg';

/** Creates `accounts` with `count` accounts of `balance` each. */
export function bankSql(count: number, balance: number): string {
  return `CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL); INSERT INTO accounts SELECT i, ${balance} FROM generate_series(1, ${count}) i`;
}

/**
 * Transfers between the `count` accounts at `url`, from `sessions` connections, as fast as they
 * go, until the returned stop is called; it resolves with how many were made. A failed transfer
 * (a server restarted under it) rejects the stop.
 */
export async function startTransfers(url: string, options: { count: number; sessions: number; amount?: number }): Promise<() => Promise<number>> {
  const { count, sessions, amount = 1 } = options;
  let running = true;
  let done = 0;
  const writers = await Promise.all(
    Array.from({ length: sessions }, async () => {
      const client = new Client({ connectionString: url });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    }),
  );
  const loops = writers.map(async (writer, w) => {
    for (let i = 0; running; i++) {
      const from = 1 + ((i * 7 + w * 131) % count);
      const to = 1 + ((i * 13 + w * 17 + 5) % count);
      await writer.query(
        `BEGIN; UPDATE accounts SET balance = balance - ${amount} WHERE id = ${from}; UPDATE accounts SET balance = balance + ${amount} WHERE id = ${to}; COMMIT`,
      );
      done++;
    }
  });
  let stopped: Promise<number> | undefined;
  // Stopping twice (in a test and in its finally) waits for the same end.
  return () =>
    (stopped ??= (async () => {
      running = false;
      await Promise.all(loops);
      await Promise.all(writers.map((writer) => writer.end()));
      return done;
    })());
}
