/**
 * The dashboard's worker-scale figure: the HPA through a stand-in Kubernetes API (a local HTTP
 * server answering like the real one), or the supervisor's report in a real Redis.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkerScale } from '@pgfan/contracts';
import { removeScale, writeScale } from '@pgfan/dispatch';
import { recordingLogger } from '@pgfan/testing';
import { Redis } from 'ioredis';
import { inClusterAccess, readHpa, workerScaleSource, type KubernetesAccess } from './replicas';

const HPA_PATH = '/apis/autoscaling/v2/namespaces/pgfan/horizontalpodautoscalers/pgfan-worker';
const HPA = { kind: 'HorizontalPodAutoscaler', spec: { minReplicas: 1, maxReplicas: 10 }, status: { currentReplicas: 3, desiredReplicas: 5 } };

let server: Server;
let requests: IncomingMessage[];
let answer: { status: number; body: unknown };
let access: KubernetesAccess;
const redis = new Redis(`redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`, { maxRetriesPerRequest: 1 });

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    const found = req.url === HPA_PATH;
    res.writeHead(found ? answer.status : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(found ? answer.body : { kind: 'Status', code: 404 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  access = { apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'sa-token', namespace: 'pgfan' };
});
beforeEach(async () => {
  requests = [];
  answer = { status: 200, body: HPA };
  await removeScale(redis);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  redis.disconnect();
});

describe('inClusterAccess', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgfan-sa-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("reads the pod's service account and the API address Kubernetes puts in the environment", () => {
    writeFileSync(join(dir, 'token'), 'sa-token\n');
    writeFileSync(join(dir, 'namespace'), 'pgfan');
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\n');
    expect(inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir)).toEqual({
      apiUrl: 'https://10.96.0.1:443',
      token: 'sa-token',
      namespace: 'pgfan',
      ca: '-----BEGIN CERTIFICATE-----\n',
    });
    expect(inClusterAccess({ KUBERNETES_SERVICE_HOST: 'fd00::1' }, dir)?.apiUrl).toBe('https://[fd00::1]:443');
  });

  test('is null outside a cluster, or when the token is not mounted', () => {
    expect(inClusterAccess({}, dir)).toBeNull();
    expect(inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.96.0.1' }, dir)).toBeNull();
  });
});

test("readHpa asks for the named HPA in the pod's namespace, with the service account's token", async () => {
  expect(await readHpa(access, 'pgfan-worker')).toEqual({ scaler: 'kubernetes', current: 3, desired: 5, min: 1, max: 10 });
  expect(requests.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([['GET', HPA_PATH, 'Bearer sa-token']]);
});

test('an HPA KEDA has just created, without a status yet, counts as no replicas', async () => {
  answer = { status: 200, body: { spec: { maxReplicas: 10 } } };
  expect(await readHpa(access, 'pgfan-worker')).toEqual({ scaler: 'kubernetes', current: 0, desired: 0, min: 1, max: 10 });
});

test('readHpa fails with the status when the API refuses (RBAC) or the HPA does not exist', async () => {
  answer = { status: 403, body: { kind: 'Status', code: 403 } };
  await expect(readHpa(access, 'pgfan-worker')).rejects.toThrow(`Kubernetes API answered 403 for ${HPA_PATH}`);
  await expect(readHpa(access, 'no-such-hpa')).rejects.toThrow('answered 404');
  await expect(readHpa({ ...access, apiUrl: 'http://127.0.0.1:1' }, 'pgfan-worker')).rejects.toThrow();
});

describe('workerScaleSource', () => {
  const { logger, lines, messages } = recordingLogger();
  beforeEach(() => lines.splice(0));

  test('in a cluster with WORKER_HPA_NAME: the HPA, asked at most once per 5 s however often the dashboard refreshes', async () => {
    const source = workerScaleSource({ hpaName: 'pgfan-worker', access, redis, logger });
    const scales = await Promise.all([source(), source(), source()]);
    expect(scales).toEqual(Array(3).fill({ scaler: 'kubernetes', current: 3, desired: 5, min: 1, max: 10 }));
    expect(requests).toHaveLength(1);
  });

  test('an HPA it cannot read gives null, and the reason is logged once', async () => {
    answer = { status: 403, body: {} };
    const source = workerScaleSource({ hpaName: 'pgfan-worker', access, redis, logger });
    expect(await source()).toBeNull();
    expect(messages()).toEqual([`cannot read the worker HPA pgfan-worker: Kubernetes API answered 403 for ${HPA_PATH}`]);
  });

  test("elsewhere: the local supervisor's report in Redis, or null when no supervisor reports", async () => {
    const source = workerScaleSource({ hpaName: undefined, access: null, redis, logger });
    expect(await source()).toBeNull();
    const scale: WorkerScale = { scaler: 'supervisor', current: 2, desired: 4, min: 1, max: 10 };
    await writeScale(redis, scale, 10_000);
    expect(await source()).toEqual(scale);
    // WORKER_HPA_NAME without a cluster (say, the ConfigMap reused under compose) falls back too.
    expect(await workerScaleSource({ hpaName: 'pgfan-worker', access: null, redis, logger })()).toEqual(scale);
    expect(requests).toHaveLength(0);
  });

  test("the supervisor's report lapses with its TTL", async () => {
    await writeScale(redis, { scaler: 'supervisor', current: 1, desired: 1, min: 1, max: 10 }, 50);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await workerScaleSource({ hpaName: undefined, access: null, redis, logger })()).toBeNull();
  });
});
