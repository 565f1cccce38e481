/** The CLI's environment, checked once at start. */
import { z } from 'zod';

export const CliEnv = z.object({
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/postgres'),
});
export type CliEnv = z.infer<typeof CliEnv>;

/** @throws Error with one line naming the bad setting. */
export function loadEnv(env: NodeJS.ProcessEnv): CliEnv {
  const result = CliEnv.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`invalid environment: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return result.data;
}

/** A connection URL safe to print: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
