/**
 * docker-compose.yml and the Dockerfile, as compose renders them: the stack starts in dependency
 * order, every setting is one the code reads, and it runs the same images, with the same
 * settings, as the Kubernetes manifests.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiEnv } from '../../apps/api/src/env';
import { WorkerEnv } from '../../apps/worker/src/env';
import { composeConfig, find, kustomize, podSpec, ROOT, type K8sObject } from './manifests';

const { services, volumes } = composeConfig();
const { postgres, redis, seed, api, worker } = services;
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

test('the stack: PostgreSQL, Redis, a one-shot seed, the API and the workers, with named volumes for the data', () => {
  expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'redis', 'seed', 'worker']);
  expect(postgres!.volumes).toEqual([expect.stringMatching(/^postgres-data:\/var\/lib\/postgresql\/data/)]);
  expect(redis!.volumes).toEqual([expect.stringMatching(/^redis-data:\/data/)]);
  expect(Object.keys(volumes).sort()).toEqual(['postgres-data', 'redis-data']);
  expect(redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--requirepass']));
});

test('services start only once what they need is healthy, and the API once the demo table is seeded', () => {
  expect(postgres!.healthcheck).toBeDefined();
  expect(redis!.healthcheck).toBeDefined();
  expect(seed!.depends_on).toEqual({ postgres: expect.objectContaining({ condition: 'service_healthy' }) });
  expect(api!.depends_on).toEqual({
    postgres: expect.objectContaining({ condition: 'service_healthy' }),
    redis: expect.objectContaining({ condition: 'service_healthy' }),
    seed: expect.objectContaining({ condition: 'service_completed_successfully' }),
  });
  expect(worker!.depends_on).toEqual(api!.depends_on);
  // The role users' queries run as is made before anything runs a query, then the demo table.
  expect(seed!.command).toEqual(['sh', '-c', expect.stringMatching(/^node apps\/cli\/dist\/query-role\.js && node apps\/cli\/dist\/seed\.js .*--if-missing$/)]);
});

test('the API publishes its default port; workers publish nothing and have no fixed name, so `--scale worker=N` works', () => {
  expect(api!.ports).toEqual([
    expect.objectContaining({ published: 3000, target: ApiEnv.shape.PORT.parse(undefined) }),
    expect.objectContaining({ published: 5433, target: ApiEnv.shape.PG_PORT.parse(undefined) }),
  ]);
  expect(worker!.ports).toBeUndefined();
  expect(worker!.container_name).toBeUndefined();
  // Running fragments get SHUTDOWN_TIMEOUT_MS after SIGTERM, and the container a margin on top.
  const grace = Number(/^(\d+)s$/.exec(String((worker as { stop_grace_period?: string }).stop_grace_period))?.[1]);
  expect(grace * 1000).toBeGreaterThan(WorkerEnv.shape.SHUTDOWN_TIMEOUT_MS.parse(undefined));
});

test('every setting given to the API, seed and workers is one the code reads, and connection strings name the services', () => {
  const known = new Set([...Object.keys(ApiEnv.shape), ...Object.keys(WorkerEnv.shape)]);
  for (const service of [api, seed, worker]) {
    const environment = service!.environment ?? {};
    expect(Object.keys(environment).filter((key) => !known.has(key))).toEqual([]);
    expect(new URL(environment.DATABASE_URL!).host).toBe('postgres:5432');
    expect(new URL(environment.QUERY_DATABASE_URL!)).toMatchObject({ host: 'postgres:5432', username: 'pgfan_query', pathname: '/pgfan' });
    expect(environment.JOB_SIGNING_KEY!.length).toBeGreaterThanOrEqual(32);
    expect(new URL(environment.REDIS_URL!).host).toBe('redis:6379');
  }
  // Passwords agree between the servers and their clients.
  expect(decodeURIComponent(new URL(api!.environment!.DATABASE_URL!).password)).toBe(postgres!.environment!.POSTGRES_PASSWORD);
  expect(decodeURIComponent(new URL(api!.environment!.REDIS_URL!).password)).toBe(redis!.environment!.REDIS_PASSWORD);
});

test('the same images as the Kubernetes manifests, built from the Dockerfile stage of the same name', () => {
  const base = kustomize('infra/k8s');
  const imageOf = (name: string) => podSpec(find(base, 'Deployment', name))!.containers[0]!.image;
  expect(api!.image).toBe(imageOf('pgfan-api'));
  expect(worker!.image).toBe(imageOf('pgfan-worker'));
  expect(seed!.image).toBe(api!.image);
  for (const [service, target] of [
    [api, 'api'],
    [seed, 'api'],
    [worker, 'worker'],
  ] as const) {
    expect(service!.build).toEqual(expect.objectContaining({ context: ROOT, target }));
    expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${target}$`, 'm'));
  }
});

test('compose and Kubernetes give the API and workers the same settings where both set them', () => {
  const configMap = (find(kustomize('infra/k8s'), 'ConfigMap', 'pgfan-config') as K8sObject & { data: Record<string, string> }).data;
  for (const key of ['HOST', 'PORT']) expect(api!.environment![key]).toBe(configMap[key]);
  expect(worker!.environment!.HEALTH_PORT).toBe(configMap.HEALTH_PORT);
});

test('containers run read-only, as an unprivileged user, with a health check', () => {
  for (const service of [api, worker]) expect((service as { read_only?: boolean }).read_only).toBe(true);
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.find((stage) => /^\S+ AS runtime$/m.test(stage))!;
  expect(runtime).toMatch(/^USER 1000:1000$/m);
  expect(dockerfile).not.toMatch(/^USER (root|0)\b/m);
  for (const target of ['api', 'worker']) {
    const stage = stages.find((s) => new RegExp(`^runtime AS ${target}$`, 'm').test(s));
    expect(stage).toMatch(/^HEALTHCHECK /m);
  }
  // The worker's health check and the compose setting agree on the port.
  expect(dockerfile).toMatch(/ENV HEALTH_PORT=8081/);
});

test('the build context leaves out installs, builds, local data and secrets', () => {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
  expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git', '**/.env', '**/.env.*']));
});

test('the image holds every workspace package the apps run with, and the files they read at run time', () => {
  const workspaces = ['packages', 'apps'].flatMap((parent) => readdirSync(join(ROOT, parent)).map((name) => `${parent}/${name}`));
  for (const dir of workspaces) {
    // Every manifest, so that npm install in the image sees the whole workspace.
    expect([dir, dockerfile.includes(`COPY ${dir}/package.json ${dir}/`)]).toEqual([dir, true]);
  }
  const shipped = /for dir in ([^;]+); do/.exec(dockerfile)?.[1]?.trim().split(/\s+/) ?? [];
  expect(shipped.sort()).toEqual(workspaces.filter((dir) => dir !== 'packages/testing').sort());
  // SQL and migrations are read from disk beside dist/.
  for (const dir of workspaces) {
    for (const data of ['sql', 'migrations']) {
      if (dir !== 'packages/testing' && existsSync(join(ROOT, dir, data))) expect(dockerfile).toContain(`cp -r ${dir}/${data} /out/${dir}/`);
    }
  }
});

describe('with streaming replicas (docker-compose.replicas.yml)', () => {
  const { services: all, volumes: allVolumes } = composeConfig(['docker-compose.yml', 'docker-compose.replicas.yml']);
  const replicas = ['postgres-replica-1', 'postgres-replica-2'];

  test('two replicas, each cloning the primary once into a volume of its own and then following it', () => {
    expect(Object.keys(all).sort()).toEqual(['api', 'postgres', 'postgres-replica-1', 'postgres-replica-2', 'redis', 'seed', 'worker']);
    for (const name of replicas) {
      const replica = all[name]!;
      expect(replica.image).toBe(postgres!.image);
      expect(replica.depends_on).toEqual({ postgres: expect.objectContaining({ condition: 'service_healthy' }) });
      expect(replica.healthcheck).toBeDefined();
      expect(replica.volumes).toEqual([expect.stringMatching(new RegExp(`^${name}-data:/var/lib/postgresql/data`))]);
      const script = (replica.command as string[])[2]!;
      expect(script).toMatch(/pg_basebackup -h postgres -U postgres -D "\$\$PGDATA" -R -X stream/);
      expect(script).toMatch(/exec postgres .*-c hot_standby_feedback=on/);
      expect((replica.environment as Record<string, string>).PGPASSWORD).toBe(postgres!.environment!.POSTGRES_PASSWORD);
    }
    expect(Object.keys(allVolumes).sort()).toEqual(['postgres-data', 'postgres-replica-1-data', 'postgres-replica-2-data', 'redis-data']);
  });

  test('the primary accepts replication connections from them, with its password', () => {
    const command = all.postgres!.command as string[];
    expect(command).toEqual(expect.arrayContaining(['hba_file=/etc/postgresql/pg_hba.conf']));
    expect(all.postgres!.volumes).toEqual(expect.arrayContaining([expect.stringMatching(/infra\/compose\/pg_hba\.conf:\/etc\/postgresql\/pg_hba\.conf:ro$/)]));
    const hba = readFileSync(join(ROOT, 'infra/compose/pg_hba.conf'), 'utf8');
    expect(hba).toMatch(/^host replication all all scram-sha-256$/m);
    expect(hba).toMatch(/^host all all all scram-sha-256$/m);
  });

  test('the API and workers read from both replicas as the query role, once both are up', () => {
    for (const service of [all.api!, all.worker!]) {
      const urls = service.environment!.REPLICA_URLS!.split(',').map((url) => new URL(url));
      expect(urls.map((url) => url.host)).toEqual(replicas.map((name) => `${name}:5432`));
      for (const url of urls)
        expect(url).toMatchObject({ username: 'pgfan_query', pathname: '/pgfan', password: new URL(service.environment!.QUERY_DATABASE_URL!).password });
      for (const name of replicas) expect(service.depends_on).toMatchObject({ [name]: expect.objectContaining({ condition: 'service_healthy' }) });
      // What the code reads, as it would parse it.
      expect(() => (service === all.api ? ApiEnv : WorkerEnv).parse(service.environment)).not.toThrow();
    }
  });
});
