import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Static SQL shipped in `packages/store/sql`, read once per process. */
export function loadSql(name: string): string {
  return readFileSync(join(__dirname, '..', 'sql', `${name}.sql`), 'utf8');
}
