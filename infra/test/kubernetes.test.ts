/**
 * infra/k8s and infra/keda render with kustomize, every object passes its schema, and the
 * workloads are locked down: no container runs as root or can write its image, workers have
 * the CPU requests the CPU trigger measures against, and the names that wire things together
 * (Secret keys, ConfigMap, Services, HPA) all exist.
 */
import { ApiEnv } from '../../apps/api/src/env';
import { WorkerEnv } from '../../apps/worker/src/env';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { find, kustomize, podSpec, ROOT, validate, type K8sObject } from './manifests';

const base = kustomize('infra/k8s');
const scaled = kustomize('infra/keda');
const local = kustomize('infra/local');

test.each([
  ['infra/k8s', base],
  ['infra/keda', scaled],
  ['infra/local', local],
])('%s renders, and every object validates against its schema', (_dir, objects) => {
  expect(objects.length).toBeGreaterThan(10);
  for (const object of objects) validate(object);
  const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
  expect(new Set(names).size).toBe(names.length);
  expect(objects.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'pgfan')).toBe(true);
});

test('validation is not a formality: a malformed object is rejected, naming it', () => {
  const broken = structuredClone(find(base, 'Deployment', 'pgfan-api'));
  (broken.spec as { replicas: unknown }).replicas = 'two';
  expect(() => validate(broken)).toThrow(/Deployment pgfan-api is invalid/);
  expect(() => validate({ ...broken, kind: 'Gadget' })).toThrow(/no schema known/);
});

test('the base carries no Secret (placeholder passwords are for local clusters: infra/local adds them)', () => {
  expect(base.filter((o) => o.kind === 'Secret')).toEqual([]);
  const extra = local.filter((o) => !base.some((b) => b.kind === o.kind && b.metadata.name === o.metadata.name));
  expect(extra.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Secret/pgfan-secrets']);
});

test('Redis refuses writes when full rather than being killed: maxmemory below its limit, noeviction as BullMQ requires', () => {
  const redis = podSpec(find(base, 'StatefulSet', 'redis'))!.containers[0]! as unknown as { args: string[]; resources: { limits: { memory: string } } };
  const args = redis.args;
  expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
  expect(args[args.indexOf('--maxmemory') + 1]).toBe('384mb');
  expect(redis.resources.limits.memory).toBe('512Mi');
});

test('infra/keda is the base plus the ScaledObject and its TriggerAuthentication', () => {
  const extra = scaled.filter((o) => !base.some((b) => b.kind === o.kind && b.metadata.name === o.metadata.name));
  expect(extra.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ScaledObject/pgfan-worker', 'TriggerAuthentication/pgfan-redis']);
});

const workloads = base.filter((o) => podSpec(o) !== null);

test.each(workloads.map((w) => [`${w.kind}/${w.metadata.name}`, w] as const))('%s runs non-root, read-only, with no capabilities', (_name, workload) => {
  const spec = podSpec(workload)!;
  expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(spec.securityContext?.runAsUser).toBeGreaterThan(0);
  for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser).not.toBe(0);
    expect(container.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources?.limits?.memory).toEqual(expect.any(String));
  }
});

test('workers: CPU requests, a liveness endpoint, and time to finish a fragment on SIGTERM', () => {
  const worker = find(base, 'Deployment', 'pgfan-worker');
  const spec = podSpec(worker)!;
  const container = spec.containers[0]!;
  expect(container.resources?.requests?.cpu).toMatch(/^\d+m?$/);
  const healthPort = config().HEALTH_PORT;
  expect(container.ports).toContainEqual({ name: 'health', containerPort: Number(healthPort) });
  expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' });
  // SIGTERM waits SHUTDOWN_TIMEOUT_MS for running fragments, which run at most DEFAULT_TIMEOUT_MS.
  const shutdownSeconds = Number(config().SHUTDOWN_TIMEOUT_MS) / 1000;
  expect(shutdownSeconds).toBeGreaterThanOrEqual(Number(config().DEFAULT_TIMEOUT_MS) / 1000);
  expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(shutdownSeconds + 10);
  // The HPA owns the replica count: re-applying the manifests must not reset it.
  expect((worker.spec as { replicas?: number }).replicas).toBeUndefined();
  expect(spec.automountServiceAccountToken).toBe(false);
});

test('the API: 2 replicas, readiness on /api/health, liveness on the process, reachable through its Service', () => {
  const api = find(base, 'Deployment', 'pgfan-api');
  expect((api.spec as { replicas: number }).replicas).toBe(2);
  const container = podSpec(api)!.containers[0]!;
  expect(container.readinessProbe?.httpGet).toEqual({ path: '/api/health', port: 'http' });
  expect(container.livenessProbe?.httpGet).toEqual({ path: '/api/health/live', port: 'http' });
  expect(container.ports).toEqual([
    { name: 'http', containerPort: Number(config().PORT) },
    { name: 'postgres', containerPort: Number(config().PG_PORT) },
  ]);
  const service = find(base, 'Service', 'pgfan-api');
  // PostgreSQL clients reach the Service on PostgreSQL's own port.
  expect((service.spec as { ports: unknown[] }).ports).toEqual([
    { name: 'http', port: 80, targetPort: 'http' },
    { name: 'postgres', port: 5432, targetPort: 'postgres' },
  ]);
  // socket.io's long-polling fallback needs every request of a session on one replica.
  expect((service.spec as { sessionAffinity: string }).sessionAffinity).toBe('ClientIP');
});

test("pgfan's own images carry the repository's version, and are used as loaded into a local cluster, not pulled again", () => {
  const pgfanContainers = [...base, ...scaled].flatMap((o) => podSpec(o)?.containers ?? []).filter((c) => c.image?.startsWith('pgfan/'));
  expect(pgfanContainers.length).toBeGreaterThanOrEqual(3);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'apps/api/package.json'), 'utf8')) as { version: string };
  for (const container of pgfanContainers)
    expect([container.image, container.imagePullPolicy]).toEqual([expect.stringMatching(new RegExp(`:${version.replace(/\./g, '\\.')}$`)), 'IfNotPresent']);
});

test('the optional Ingress validates, routes to the API Service, and keeps each browser on one replica', () => {
  const ingress = parse(readFileSync(join(ROOT, 'infra/k8s/ingress.example.yaml'), 'utf8')) as K8sObject;
  validate(ingress);
  expect(ingress.metadata.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/affinity': 'cookie' });
  const backend = (ingress.spec as { rules: { http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] } }[] }).rules[0]!.http
    .paths[0]!.backend.service;
  const service = find(base, 'Service', backend.name) as K8sObject & { spec: { ports: { name: string }[] } };
  expect(service.spec.ports.map((p) => p.name)).toContain(backend.port.name);
});

test('the API may read HPAs, and nothing else; workers get no token', () => {
  const role = find(base, 'Role', 'pgfan-read-scaling') as K8sObject & { rules: { verbs: string[]; resources: string[] }[] };
  expect(role.rules.flatMap((r) => r.verbs).every((verb) => ['get', 'list', 'watch'].includes(verb))).toBe(true);
  expect(role.rules.flatMap((r) => r.resources).sort()).toEqual(['horizontalpodautoscalers']);
  const binding = find(base, 'RoleBinding', 'pgfan-api-read-scaling') as K8sObject & { subjects: { name: string }[] };
  expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'pgfan-api', namespace: 'pgfan' }]);
  expect(podSpec(find(base, 'Deployment', 'pgfan-api'))!.serviceAccountName).toBe('pgfan-api');
  expect(find(base, 'ServiceAccount', 'pgfan-worker')).toMatchObject({ automountServiceAccountToken: false });
});

test('only the API and the workers (and KEDA, and the seed job) reach Redis and PostgreSQL', () => {
  const allowedFrom = (name: string) =>
    (find(base, 'NetworkPolicy', name).spec as { ingress: { from: { podSelector?: { matchLabels: Record<string, string> } }[] }[] }).ingress
      .flatMap((rule) => rule.from)
      .map((peer) => peer.podSelector?.matchLabels['app.kubernetes.io/name']);
  expect(find(base, 'NetworkPolicy', 'default-deny-ingress').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  expect(allowedFrom('redis-clients')).toEqual(['pgfan-api', 'pgfan-worker', 'keda-operator']);
  expect(allowedFrom('postgres-clients')).toEqual(['pgfan-api', 'pgfan-worker', 'pgfan-seed']);
});

test('users’ queries run as their own role, and jobs are signed: the API, the workers and the seed Job are given what they need', () => {
  const names = (name: string) => (podSpec(find(base, name === 'pgfan-seed' ? 'Job' : 'Deployment', name))!.containers[0]!.env ?? []).map((v) => v.name);
  for (const workload of ['pgfan-api', 'pgfan-worker']) expect(names(workload)).toEqual(expect.arrayContaining(['QUERY_DATABASE_URL', 'JOB_SIGNING_KEY']));
  expect(names('pgfan-seed')).toEqual(expect.arrayContaining(['DATABASE_URL', 'QUERY_DATABASE_URL']));
  const seed = podSpec(find(base, 'Job', 'pgfan-seed'))!.containers[0]!;
  expect(seed.command?.join(' ')).toMatch(/query-role\.js && node apps\/cli\/dist\/seed\.js/);
});

test('every ConfigMap and Secret key a pod reads exists, and every setting is one the code knows', () => {
  const configMap = find(base, 'ConfigMap', 'pgfan-config') as K8sObject & { data: Record<string, string> };
  const secret = find(local, 'Secret', 'pgfan-secrets') as K8sObject & { stringData: Record<string, string> };
  const known = new Set([...Object.keys(ApiEnv.shape), ...Object.keys(WorkerEnv.shape)]);
  expect(Object.keys(configMap.data).filter((key) => !known.has(key))).toEqual([]);
  for (const workload of workloads) {
    for (const container of podSpec(workload)!.containers) {
      for (const source of container.envFrom ?? []) expect(source.configMapRef?.name).toBe('pgfan-config');
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref) expect([ref.name, ref.key in secret.stringData]).toEqual(['pgfan-secrets', true]);
      }
    }
  }
  // Connection strings name the in-cluster Services.
  expect(new URL(secret.stringData.DATABASE_URL!).host).toBe('postgres:5432');
  expect(new URL(secret.stringData.QUERY_DATABASE_URL!)).toMatchObject({ host: 'postgres:5432', username: 'pgfan_query' });
  expect(new URL(secret.stringData.REDIS_URL!).host).toBe('redis:6379');
  find(base, 'Service', 'postgres');
  find(base, 'Service', 'redis');
});

function config(): Record<string, string> {
  return (find(base, 'ConfigMap', 'pgfan-config') as K8sObject & { data: Record<string, string> }).data;
}

test('Prometheus finds both: scrape annotations on the ports that serve /metrics, and the network policies let it in', () => {
  const policies = base.filter((o) => o.kind === 'NetworkPolicy') as (K8sObject & {
    spec: { podSelector: { matchLabels?: Record<string, string> }; ingress?: { ports?: { port: number }[] }[] };
  })[];
  for (const [deployment, port] of [
    ['pgfan-api', Number(config().PORT)],
    ['pgfan-worker', Number(config().HEALTH_PORT)],
  ] as const) {
    const template = (find(base, 'Deployment', deployment).spec as { template: { metadata: { annotations: Record<string, string> } } }).template;
    expect(template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' });
    const open = policies.filter((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === deployment).flatMap((p) => p.spec.ingress ?? []);
    expect(open.some((rule) => rule.ports?.some((p) => p.port === port))).toBe(true);
  }
});
