/** `npm start` as a test runs it: scripts/start.js in a process of its own, its output kept, until it says it is up. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from '@pgfan/testing';
import { ROOT } from './manifests';

export interface NpmStart {
  process: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
}

/** Runs npm start with `env` (over this process's, less `unset`) and waits up to `timeoutMs` for "pgfan is up". */
export async function runNpmStart(env: Record<string, string>, options: { unset?: string[]; timeoutMs?: number } = {}): Promise<NpmStart> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !(options.unset ?? []).includes(key)));
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.js')], { cwd: ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually(async () => (output.includes('pgfan is up') ? true : undefined), options.timeoutMs ?? 120_000, `npm start to come up:\n${output}`);
  return { process: child, output: () => output };
}
