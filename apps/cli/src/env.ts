/** The CLI's environment, checked once at start. */
import { databaseUrl, envUrl, parseEnv } from '@pgfan/runtime';
import { z } from 'zod';

export { redactUrl } from '@pgfan/runtime';

export const CliEnv = z.object({
  /** For --local and seeding. */
  DATABASE_URL: databaseUrl,
  /** Where the API listens, for queries submitted through it. */
  API_URL: envUrl('http://127.0.0.1:3000', ['http:', 'https:']),
  /** Sent as a Bearer token when the API has keys (API_KEYS or `npm run keys`). */
  API_KEY: z.string().optional(),
  /** pgfan's PostgreSQL port, for the benchmark's protocol path; the API's host on 5433 (API_KEY the password) when unset. */
  PG_URL: z.string().optional(),
});
export type CliEnv = z.infer<typeof CliEnv>;

/** @throws ConfigError with one line naming the bad setting. */
export function loadEnv(env: NodeJS.ProcessEnv): CliEnv {
  return parseEnv(CliEnv, env);
}

/** Runs a command's `main` when its file is the entry point: its exit code, or 1 with one line naming the failure. */
export function runCommand(entry: NodeJS.Module, name: string, main: () => Promise<number>): void {
  if (require.main !== entry) return;
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
