/**
 * Where the dashboard's "workers wanted" figure comes from. On Kubernetes it is the
 * HorizontalPodAutoscaler KEDA made for the workers, read through the Kubernetes API with the
 * pod's service account (RBAC: infra/k8s/rbac.yaml); under `npm start` it is what the supervisor
 * publishes in Redis. Either may be missing: then the figure is null, never an error.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { WorkerScale } from '@pgfan/contracts';
import { readScale } from '@pgfan/dispatch';
import type { Redis } from 'ioredis';
import type { Logger } from '@pgfan/runtime';
import { Recent } from './recent';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The HPA changes at most every KEDA polling interval (5 s); every API replica asks at most this often. */
const HPA_CACHE_MS = 5_000;
const REQUEST_TIMEOUT_MS = 2_000;

/** How to reach the Kubernetes API from inside a pod. */
export interface KubernetesAccess {
  /** e.g. https://10.96.0.1:443 */
  apiUrl: string;
  token: string;
  namespace: string;
  /** The cluster's CA certificate (PEM); absent for a plain-HTTP test server. */
  ca?: string;
}

/**
 * The pod's own access, from the standard in-cluster environment and service-account files,
 * or null outside a cluster (or with the token not mounted).
 */
export function inClusterAccess(env: NodeJS.ProcessEnv, serviceAccountDir = SERVICE_ACCOUNT_DIR): KubernetesAccess | null {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) return null;
  try {
    const read = (file: string) => readFileSync(join(serviceAccountDir, file), 'utf8').trim();
    return {
      apiUrl: `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`,
      token: read('token'),
      namespace: read('namespace'),
      ca: readFileSync(join(serviceAccountDir, 'ca.crt'), 'utf8'),
    };
  } catch {
    return null;
  }
}

interface HorizontalPodAutoscaler {
  spec?: { minReplicas?: number; maxReplicas?: number };
  status?: { currentReplicas?: number; desiredReplicas?: number };
}

/** GET a Kubernetes API path as JSON. @throws on a non-2xx answer, a timeout or a bad body. */
function getJson(access: KubernetesAccess, path: string): Promise<unknown> {
  const url = new URL(path, access.apiUrl);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: { authorization: `Bearer ${access.token}`, accept: 'application/json' }, ca: access.ca, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`Kubernetes API answered ${res.statusCode} for ${url.pathname}`));
          try {
            resolve(JSON.parse(body));
          } catch (error) {
            reject(error as Error);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Kubernetes API did not answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The worker HPA's replica counts, read through the Kubernetes API. */
export async function readHpa(access: KubernetesAccess, name: string): Promise<WorkerScale> {
  const path = `/apis/autoscaling/v2/namespaces/${encodeURIComponent(access.namespace)}/horizontalpodautoscalers/${encodeURIComponent(name)}`;
  const hpa = (await getJson(access, path)) as HorizontalPodAutoscaler;
  return {
    scaler: 'kubernetes',
    current: hpa.status?.currentReplicas ?? 0,
    desired: hpa.status?.desiredReplicas ?? 0,
    // minReplicas defaults to 1 in the HPA API.
    min: hpa.spec?.minReplicas ?? 1,
    max: hpa.spec?.maxReplicas ?? 0,
  };
}

/**
 * The dashboard's source of worker scale: the named HPA when running in a cluster, else the
 * local supervisor's report. Resolves to null when neither answers.
 */
export function workerScaleSource(options: {
  hpaName: string | undefined;
  access: KubernetesAccess | null;
  redis: Redis;
  logger: Logger;
}): () => Promise<WorkerScale | null> {
  const { hpaName, access, redis, logger } = options;
  if (!hpaName || !access) return () => readScale(redis).catch(() => null);
  // Say why the figure is missing (RBAC, a wrong name), once per distinct reason.
  let lastError = '';
  const hpa = new Recent(
    () =>
      readHpa(access, hpaName).then(
        (scale) => ((lastError = ''), scale),
        (error: Error) => {
          if (error.message !== lastError) logger.warn(`cannot read the worker HPA ${hpaName}: ${error.message}`);
          lastError = error.message;
          return null;
        },
      ),
    HPA_CACHE_MS,
  );
  return () => hpa.get();
}
