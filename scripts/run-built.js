/** Runs a built entry point (e.g. the CLI) after installing and building as needed. */
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { ROOT, build, ensureInstalled } = require('./lib');

const [entry, ...args] = process.argv.slice(2);
ensureInstalled();
build();
const result = spawnSync(process.execPath, [path.join(ROOT, entry), ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
