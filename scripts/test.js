/** `npm test`: installs if needed, builds and type-checks every package, then runs every test. */
const { ensureInstalled, run, turbo } = require('./lib');

ensureInstalled();
turbo(['build', 'typecheck']);
run('npx', ['jest', ...process.argv.slice(2)]);
