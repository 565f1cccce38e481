/** The CLI's environment, checked once at start. */
import { databaseUrl, envUrl, parseEnv } from '@pgfan/dispatch';
import { z } from 'zod';

export { redactUrl } from '@pgfan/dispatch';

export const CliEnv = z.object({
  /** For --local and seeding. */
  DATABASE_URL: databaseUrl,
  /** Where the API listens, for queries submitted through it. */
  API_URL: envUrl('http://127.0.0.1:3000', ['http:', 'https:']),
});
export type CliEnv = z.infer<typeof CliEnv>;

/** @throws ConfigError with one line naming the bad setting. */
export function loadEnv(env: NodeJS.ProcessEnv): CliEnv {
  return parseEnv(CliEnv, env);
}
