/**
 * The system's vital signs, computed about once a second from what this API process hears:
 * live worker heartbeats, queue depths, the query events that end queries (throughput, and
 * latency percentiles over the last minute), and where each database server stands.
 */
import { type QueueDepth, type QueryEvent, type SystemStats } from '@pgfan/contracts';
import { liveWorkers, type Queues } from '@pgfan/dispatch';
import type { Redis } from 'ioredis';

const LATENCY_WINDOW_MS = 60_000;
const THROUGHPUT_WINDOW_MS = 10_000;

/** The p-th percentile (0–100) of sorted values, nearest-rank. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export class StatsCollector {
  private finished: { at: number; totalMs: number; completed: boolean }[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly queues: Queues,
    private readonly replicas: () => Promise<SystemStats['replicas']> = async () => null,
    private readonly servers: () => Promise<SystemStats['servers']> = async () => undefined,
  ) {}

  /** Feed every query event; only endings count. */
  record(event: QueryEvent): void {
    if (event.type !== 'completed' && event.type !== 'failed') return;
    this.finished.push({ at: Date.parse(event.at), totalMs: event.totalMs, completed: event.type === 'completed' });
  }

  /** Throughput and latency over the recent windows, as of `now`. */
  summarize(now: number): Pick<SystemStats, 'throughput' | 'latency'> {
    this.finished = this.finished.filter((f) => f.at > now - LATENCY_WINDOW_MS);
    const recent = this.finished.filter((f) => f.at > now - THROUGHPUT_WINDOW_MS).length;
    const latencies = this.finished
      .filter((f) => f.completed)
      .map((f) => f.totalMs)
      .sort((a, b) => a - b);
    return {
      throughput: recent / (THROUGHPUT_WINDOW_MS / 1000),
      latency: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), count: latencies.length },
    };
  }

  async collect(now = Date.now()): Promise<SystemStats> {
    const queues = [this.queues.coordinate, this.queues.fragments, this.queues.combine];
    const [workers, depths, replicas, servers] = await Promise.all([
      liveWorkers(this.redis),
      Promise.all(
        queues.map(async (queue): Promise<QueueDepth> => {
          const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
          return {
            name: queue.name,
            waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
            active: counts.active ?? 0,
            delayed: counts.delayed ?? 0,
            failed: counts.failed ?? 0,
          };
        }),
      ),
      this.replicas().catch(() => null),
      this.servers().catch(() => undefined),
    ]);
    const at = new Date(now).toISOString();
    return { at, workers: workers.sort((a, b) => a.id.localeCompare(b.id)), queues: depths, ...this.summarize(now), replicas, ...(servers ? { servers } : {}) };
  }
}
