#!/usr/bin/env node
/**
 * `npm start`'s worker supervisor: runs between MIN and MAX worker processes, scaled by the same
 * policy as the KEDA ScaledObject (backlog of waiting fragment jobs per worker, CPU utilization,
 * fast up and stabilized down), and stops them gracefully.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { backlogKeys, QUEUES, SCALING, type ScalingPolicy } from '@pgfan/contracts';
import { createRedis, liveWorkers, redisReady, removeScale, writeScale } from '@pgfan/dispatch';
import { ConfigError, createLogger, envBoolean, envInteger, loggingEnv, parseEnv, redactUrl, redisUrl } from '@pgfan/runtime';
import { z } from 'zod';
import { decide, initialState, type ScalerState } from './autoscale';

const SupervisorEnv = z.object({
  REDIS_URL: redisUrl,
  /** Scale with the load; false keeps WORKERS workers. */
  AUTOSCALE: envBoolean(true),
  /** Workers at start (and always, without AUTOSCALE). */
  WORKERS: envInteger(2, 1, 100),
  MIN_WORKERS: envInteger(SCALING.minReplicas, 1, 100),
  MAX_WORKERS: envInteger(SCALING.maxReplicas, 1, 100),
  SCALE_DOWN_STABILIZATION_SECONDS: envInteger(SCALING.scaleDownStabilizationSeconds, 0, 3600),
  SCALE_DOWN_PERIOD_SECONDS: envInteger(SCALING.scaleDownPeriodSeconds, 0, 3600),
  SCALING_INTERVAL_SECONDS: envInteger(SCALING.pollingIntervalSeconds, 1, 600),
  ...loggingEnv,
});

const WORKER_MAIN = join(__dirname, 'main.js');

/** A worker's replacement after `crashes` crashes in a row: 1 s, then 2, 4, … up to 30 s. */
function restartDelayMs(crashes: number): number {
  return Math.min(30_000, 1000 * 2 ** crashes);
}

/** A worker that ran this long before it crashed starts the backoff again. */
const STEADY_MS = 60_000;

async function main(): Promise<void> {
  let env: z.infer<typeof SupervisorEnv>;
  try {
    env = parseEnv(SupervisorEnv, process.env);
  } catch (error) {
    process.stderr.write(`pgfan-supervisor: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  process.title = 'pgfan-supervisor';
  const logger = createLogger({ name: 'pgfan-supervisor', level: env.LOG_LEVEL, format: env.LOG_FORMAT });
  const log = (message: string) => logger.info(message);
  const policy: ScalingPolicy = {
    ...SCALING,
    minReplicas: env.AUTOSCALE ? env.MIN_WORKERS : env.WORKERS,
    maxReplicas: env.AUTOSCALE ? Math.max(env.MIN_WORKERS, env.MAX_WORKERS) : env.WORKERS,
    scaleDownStabilizationSeconds: env.SCALE_DOWN_STABILIZATION_SECONDS,
    scaleDownPeriodSeconds: env.SCALE_DOWN_PERIOD_SECONDS,
  };
  const redis = createRedis(env.REDIS_URL, 'worker', 'pgfan-supervisor', (message) => logger.warn(message));
  await redisReady(redis, 5000).catch((error: Error) => {
    process.stderr.write(`pgfan-supervisor: cannot reach Redis at ${redactUrl(env.REDIS_URL)}: ${error.message}\n`);
    process.exit(1);
  });

  const workers = new Map<string, ChildProcess>();
  let stopping = false;
  // A worker that crashes is replaced after a growing delay, as Kubernetes backs off a crashing
  // pod: one that crashes at start (a bad setting, an unreachable database) is not restarted in
  // a tight loop. A worker that ran a while before it crashed starts the count again.
  let crashes = 0;
  let replacing = 0;
  const start = () => {
    const id = Array.from({ length: 100 }, (_, i) => `w${i + 1}`).find((name) => !workers.has(name)) as string;
    const child = spawn(process.execPath, [WORKER_MAIN], { env: { ...process.env, WORKER_ID: id }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const startedAt = Date.now();
    workers.set(id, child);
    child.on('exit', (code, signal) => {
      const ours = workers.get(id) === child;
      if (ours) workers.delete(id);
      // Stopped by us (scaled down, or shutting down), or a clean exit: nothing to replace.
      if (stopping || !ours || code === 0) return;
      if (Date.now() - startedAt >= STEADY_MS) crashes = 0;
      const delay = restartDelayMs(crashes++);
      log(`worker ${id} exited (${signal ?? code}); starting a new one in ${delay / 1000} s`);
      replacing++;
      setTimeout(() => {
        replacing--;
        if (!stopping && workers.size + replacing < state.replicas) start();
      }, delay).unref();
    });
  };
  const stopNewest = () => {
    const [id, child] = [...workers.entries()].at(-1) ?? [];
    if (!id || !child) return;
    workers.delete(id);
    child.kill('SIGTERM');
  };

  let state: ScalerState = initialState(Math.min(policy.maxReplicas, Math.max(policy.minReplicas, env.WORKERS)));
  for (let i = 0; i < state.replicas; i++) start();
  log(env.AUTOSCALE ? `${state.replicas} workers; autoscaling between ${policy.minReplicas} and ${policy.maxReplicas}` : `${state.replicas} workers`);

  const tick = async () => {
    const keys = backlogKeys(QUEUES.fragments);
    const [waiting, delayed, beats] = await Promise.all([redis.llen(keys.waiting), redis.zcard(keys.delayed), liveWorkers(redis)]);
    // Like the HPA with one redis trigger per key: each asks for ceil(length / target), the larger wins.
    const backlog = Math.max(waiting, delayed);
    const sample = { backlog, cpuPercents: beats.map((b) => b.cpuPercent) };
    const next = decide(state, sample, policy, Date.now());
    if (next.replicas !== state.replicas) {
      const cpu = sample.cpuPercents.reduce((a, b) => a + b, 0);
      log(`backlog ${backlog}, CPU ${Math.round(cpu)}% over ${beats.length} workers → ${next.replicas} workers`);
    }
    state = next;
    // Workers that died are replaced (after their backoff); surplus ones stop gracefully.
    while (!stopping && workers.size + replacing < state.replicas) start();
    while (!stopping && workers.size > state.replicas) stopNewest();
    // For the dashboard; lapses a few ticks after the supervisor stops.
    const scale = { scaler: 'supervisor', current: workers.size, desired: state.replicas, min: policy.minReplicas, max: policy.maxReplicas } as const;
    await writeScale(redis, scale, env.SCALING_INTERVAL_SECONDS * 3000);
  };
  const timer = setInterval(() => void tick().catch((error: Error) => log(`scaling: ${error.message}`)), env.SCALING_INTERVAL_SECONDS * 1000);

  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    const exits = [...workers.values()].map((child) => new Promise((resolve) => child.once('exit', resolve)));
    workers.forEach((child) => child.kill('SIGTERM'));
    void Promise.all(exits).then(async () => {
      await removeScale(redis).catch(() => undefined);
      redis.disconnect();
      process.exit(0);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

void main();
