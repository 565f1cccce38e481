/** What someone picking the project up expects of the repository itself: one version, a licence, a changelog. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as { name?: string; version?: string; license?: string };
const packages = ['apps', 'packages'].flatMap((dir) => readdirSync(join(ROOT, dir)).map((name) => `${dir}/${name}/package.json`)).concat('infra/package.json');

test('every package carries the one version the API reports, and the changelog has it', () => {
  const versions = new Map(packages.map((p) => [p, json(p).version]));
  expect(new Set(versions.values())).toEqual(new Set([json('apps/api/package.json').version]));
  expect(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')).toContain(`## [${json('apps/api/package.json').version}]`);
});

test('the licence package.json names is there', () => {
  expect(json('package.json').license).toBe('MIT');
  expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
});
