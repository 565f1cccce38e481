/** Runs a built CLI entry point as a user would: its exit code and what it printed. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** @param entry a file in `apps/cli/dist`, e.g. `main.js`. */
export function runBuilt(entry: string, args: string[], env: Record<string, string>): Promise<Ran> {
  return promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'dist', entry), ...args], { env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: Ran) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}
