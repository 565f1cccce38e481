/** What someone picking the project up expects of the repository itself: one version, a licence, a changelog. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

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

test('the GitHub workflow runs .ci/run on the PostgreSQL, Redis and Node the project is built for', () => {
  const workflow = parse(readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8')) as {
    jobs: {
      test: { services: Record<string, { image: string; ports: string[] }>; steps: { run?: string; uses?: string; with?: { 'node-version'?: number } }[] };
    };
  };
  const { services, steps } = workflow.jobs.test;
  // The private clusters the tests start use PostgreSQL 15's binaries; the server on 5432 is the same major.
  expect(services.postgres).toMatchObject({ image: 'postgres:15', ports: ['5432:5432'] });
  expect(services.redis).toMatchObject({ image: 'redis:7', ports: ['6379:6379'] });
  expect(steps.some((step) => step.run?.includes('postgresql-15'))).toBe(true);
  const nodeMajor = /ARG NODE_IMAGE=node:(\d+)-/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  expect(steps.find((step) => step.uses?.startsWith('actions/setup-node'))?.with?.['node-version']).toBe(Number(nodeMajor));
  expect(steps.at(-1)?.run).toBe('bash .ci/run');
});
