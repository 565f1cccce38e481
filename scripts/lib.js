/**
 * Helpers for the root npm scripts. Only Node built-ins here: these run before dependencies
 * are installed.
 */
const { existsSync, statSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

/** Runs a command in the repository root, inheriting stdio; exits if it fails. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', ...options.env } });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Installs dependencies on a fresh clone, or when package-lock.json changed since the last install. */
function ensureInstalled() {
  const installed = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  // npm writes both files in one install; allow a little slack between their times.
  if (existsSync(installed) && statSync(installed).mtimeMs + 5000 >= statSync(lock).mtimeMs) return;
  console.log('Installing dependencies (npm install)…');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

/** Runs turbo quietly: its output is shown only when a task fails. */
function turbo(tasks) {
  const result = spawnSync('npx', ['turbo', 'run', ...tasks, '--output-logs=errors-only'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    process.exit(result.status ?? 1);
  }
}

/** Builds every package (turbo skips what is unchanged). */
function build() {
  turbo(['build']);
}

module.exports = { ROOT, run, turbo, ensureInstalled, build };
