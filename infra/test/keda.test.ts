/**
 * The ScaledObject says what the code means: the policy numbers are SCALING's (which the local
 * supervisor applies too), and its Redis keys are the ones BullMQ really fills — checked by
 * adding a query's fragment jobs, and a retry, to a live Redis.
 */
import { backlogKeys, FragmentJob, JOB_POLICY, QUEUE_PREFIX, QUEUES, SCALING } from '@pgfan/contracts';
import { addQueryFlow, jobIds, JobSigner, openQueues } from '@pgfan/dispatch';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { find, kustomize, type K8sObject } from './manifests';

const objects = kustomize('infra/keda');

interface Trigger {
  type: string;
  metricType?: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
}
const scaledObject = find(objects, 'ScaledObject', 'pgfan-worker') as K8sObject & {
  spec: {
    scaleTargetRef: { name: string };
    minReplicaCount: number;
    maxReplicaCount: number;
    pollingInterval: number;
    advanced: { horizontalPodAutoscalerConfig: { name: string; behavior: Record<string, unknown> } };
    triggers: Trigger[];
  };
};
const { spec } = scaledObject;
const redisTriggers = spec.triggers.filter((t) => t.type === 'redis');

test('scales the worker Deployment between 1 and 10, polling as often as the supervisor', () => {
  expect(find(objects, 'Deployment', spec.scaleTargetRef.name).metadata.name).toBe('pgfan-worker');
  expect([spec.minReplicaCount, spec.maxReplicaCount]).toEqual([1, 10]);
  expect([spec.minReplicaCount, spec.maxReplicaCount]).toEqual([SCALING.minReplicas, SCALING.maxReplicas]);
  expect(spec.pollingInterval).toBe(SCALING.pollingIntervalSeconds);
});

test("triggers: the fragment queue's waiting and delayed jobs (SCALING.backlogPerWorker each) and CPU at 50%", () => {
  const keys = backlogKeys(QUEUES.fragments);
  expect(redisTriggers.map((t) => [t.metadata.listName, t.metadata.listLength])).toEqual([
    [keys.waiting, String(SCALING.backlogPerWorker)],
    [keys.delayed, String(SCALING.backlogPerWorker)],
  ]);
  expect(spec.triggers.filter((t) => t.type === 'cpu')).toEqual([{ type: 'cpu', metricType: 'Utilization', metadata: { value: '50' } }]);
  expect(SCALING.cpuUtilization).toBe(50);
});

test('the redis triggers reach the Redis Service, with the password from the Secret pgfan uses', () => {
  for (const trigger of redisTriggers) {
    const [host, port] = trigger.metadata.address!.split(':');
    expect(host).toBe(`redis.${scaledObject.metadata.namespace}.svc.cluster.local`);
    expect(port).toBe('6379');
    expect(trigger.authenticationRef?.name).toBe('pgfan-redis');
  }
  find(objects, 'Service', 'redis');
  const auth = find(objects, 'TriggerAuthentication', 'pgfan-redis') as K8sObject & { spec: { secretTargetRef: unknown[] } };
  expect(auth.spec.secretTargetRef).toEqual([{ parameter: 'password', name: 'pgfan-secrets', key: 'REDIS_PASSWORD' }]);
  const redis = find(objects, 'StatefulSet', 'redis') as K8sObject & {
    spec: { template: { spec: { containers: { env: { name: string; valueFrom: unknown }[] }[] } } };
  };
  expect(redis.spec.template.spec.containers[0]!.env).toContainEqual({
    name: 'REDIS_PASSWORD',
    valueFrom: { secretKeyRef: { name: 'pgfan-secrets', key: 'REDIS_PASSWORD' } },
  });
});

test('HPA behaviour: up at once (double or +4 per 15 s), down after a stabilization window, one at a time', () => {
  const { name, behavior } = spec.advanced.horizontalPodAutoscalerConfig;
  const configMap = find(objects, 'ConfigMap', 'pgfan-config') as K8sObject & { data: Record<string, string> };
  expect(name).toBe(configMap.data.WORKER_HPA_NAME);
  expect(behavior).toEqual({
    scaleUp: {
      stabilizationWindowSeconds: SCALING.scaleUpStabilizationSeconds,
      selectPolicy: 'Max',
      policies: [
        { type: 'Percent', value: 100, periodSeconds: SCALING.scaleUpPeriodSeconds },
        { type: 'Pods', value: SCALING.scaleUpMaxPodsPerPeriod, periodSeconds: SCALING.scaleUpPeriodSeconds },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: SCALING.scaleDownStabilizationSeconds,
      selectPolicy: 'Max',
      policies: [{ type: 'Pods', value: SCALING.scaleDownPodsPerPeriod, periodSeconds: SCALING.scaleDownPeriodSeconds }],
    },
  });
  expect(SCALING.scaleDownStabilizationSeconds).toBeGreaterThanOrEqual(60);
});

describe('on a live Redis', () => {
  const redis = new Redis(`redis://127.0.0.1:6379/${process.env.JEST_WORKER_ID ?? '1'}`, { maxRetriesPerRequest: 1 });
  const queues = openQueues(redis, new JobSigner(['a-job-signing-key-for-these-tests-only']));
  const keyOf = (kind: 'waiting' | 'delayed') => redisTriggers.find((t) => t.metadata.listName === backlogKeys(QUEUES.fragments)[kind])!.metadata.listName!;

  beforeEach(() => redis.flushdb());
  afterAll(async () => {
    await queues.close();
    await redis.flushdb();
    redis.disconnect();
  });

  const SPILL_TOKEN = 'a-spill-token-for-this-test';
  const fragment = (queryId: string, index: number): FragmentJob => ({
    queryId,
    generation: 1,
    index,
    of: 3,
    sql: 'SELECT 1',
    params: [],
    snapshot: null,
    deadline: Date.now() + 60_000,
    spillToken: SPILL_TOKEN,
  });

  test("a query's freshly added fragment jobs are in the first trigger's list, as a list", async () => {
    const queryId = randomUUID();
    await addQueryFlow(
      queues,
      { queryId, generation: 1, snapshot: 'a-snapshot', spillToken: SPILL_TOKEN },
      [0, 1, 2].map((i) => fragment(queryId, i)),
    );
    const key = keyOf('waiting');
    expect(await redis.type(key)).toBe('list');
    expect((await redis.lrange(key, 0, -1)).sort()).toEqual([0, 1, 2].map((i) => jobIds.fragment(queryId, 1, i)).sort());
    // Nothing of the flow waits under any other key of the fragment queue that KEDA would miss.
    expect(await redis.exists(`${QUEUE_PREFIX}:${QUEUES.fragments}:prioritized`)).toBe(0);
  });

  test("a fragment retry waiting out its backoff is in the second trigger's key, a sorted set", async () => {
    const queryId = randomUUID();
    await addQueryFlow(queues, { queryId, generation: 1, snapshot: 'a-snapshot', spillToken: SPILL_TOKEN }, [fragment(queryId, 0)]);
    expect(JOB_POLICY.fragment.attempts).toBeGreaterThan(1);
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const failing = new Worker(
      QUEUES.fragments,
      async () => {
        throw new Error('connection lost');
      },
      { connection, prefix: QUEUE_PREFIX, autorun: false },
    );
    const failed = new Promise<void>((resolve) => failing.once('failed', () => resolve()));
    void failing.run();
    await failed;
    await failing.close();
    connection.disconnect();
    const key = keyOf('delayed');
    expect(await redis.type(key)).toBe('zset');
    // Retries back off for 200 ms or more; the job is either still there or already back in the list.
    const where = [await redis.zscore(key, jobIds.fragment(queryId, 1, 0)), await redis.lpos(keyOf('waiting'), jobIds.fragment(queryId, 1, 0))];
    expect(where.some((position) => position !== null)).toBe(true);
  });
});
