/**
 * The deployment files as the tools see them: `kubectl kustomize` output and `docker-compose
 * config` output, parsed, and every Kubernetes object checked against its schema.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount, type IPodSpec } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = join(__dirname, '..', '..');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** A model (with a schema) for every kind the manifests may contain. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

/** `kubectl kustomize <dir>`, parsed. */
export function kustomize(dir: string): K8sObject[] {
  const rendered = execFileSync('kubectl', ['kustomize', join(ROOT, dir)], { encoding: 'utf8' });
  return parseAllDocuments(rendered).map((doc) => doc.toJS() as K8sObject);
}

/** @throws naming the object, when its schema rejects it or no model is known for its kind. */
export function validate(object: K8sObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no schema known for ${object.apiVersion} ${object.kind}: add its model to MODELS`);
  try {
    new Model(object as never).validate();
  } catch (error) {
    throw new Error(`${object.kind} ${object.metadata.name} is invalid: ${(error as Error).message}`, { cause: error });
  }
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the manifests`);
  return found;
}

/** The pod spec of a workload (Deployment, StatefulSet, Job), or null for other kinds. */
export function podSpec(object: K8sObject): IPodSpec | null {
  if (!['Deployment', 'StatefulSet', 'Job'].includes(object.kind)) return null;
  return (object.spec as { template: { spec: IPodSpec } }).template.spec;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  ports?: { published: number | string; target: number }[];
  environment?: Record<string, string>;
  container_name?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
  volumes?: string[];
  command?: string[];
}

/** `docker-compose config` for docker-compose.yml: what compose itself makes of the file. */
export function composeConfig(files = ['docker-compose.yml']): { services: Record<string, ComposeService>; volumes: Record<string, unknown> } {
  const rendered = execFileSync('docker-compose', [...files.flatMap((file) => ['-f', join(ROOT, file)]), 'config'], {
    encoding: 'utf8',
    // Render the file's own defaults, not whatever this shell happens to export.
    env: { PATH: process.env.PATH ?? '' },
  });
  return parse(rendered);
}
