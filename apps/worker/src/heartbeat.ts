/** Publishes this worker's heartbeat every few seconds: real CPU and memory, job counts. */
import { hostname } from 'node:os';
import { removeHeartbeat, writeHeartbeat } from '@pgfan/dispatch';
import type { WorkerContext } from './context';

export function startHeartbeat(ctx: WorkerContext): { stop(): Promise<void> } {
  const startedAt = new Date().toISOString();
  let lastCpu = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  const beat = async () => {
    const cpu = process.cpuUsage(lastCpu);
    const now = process.hrtime.bigint();
    const elapsedMicros = Number(now - lastAt) / 1000;
    lastCpu = process.cpuUsage();
    lastAt = now;
    await writeHeartbeat(
      ctx.redis,
      {
        id: ctx.env.WORKER_ID,
        host: process.env.POD_NAME ?? hostname(),
        pid: process.pid,
        cpuPercent: elapsedMicros > 0 ? Math.round(((cpu.user + cpu.system) / elapsedMicros) * 1000) / 10 : 0,
        rssBytes: process.memoryUsage.rss(),
        activeJobs: ctx.stats.active,
        processed: ctx.stats.processed,
        failed: ctx.stats.failed,
        concurrency: ctx.env.WORKER_CONCURRENCY,
        startedAt,
        at: new Date().toISOString(),
      },
      ctx.env.HEARTBEAT_INTERVAL_MS * 3,
    ).catch(() => undefined);
  };
  void beat();
  const timer = setInterval(() => void beat(), ctx.env.HEARTBEAT_INTERVAL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await removeHeartbeat(ctx.redis, ctx.env.WORKER_ID).catch(() => undefined);
    },
  };
}
