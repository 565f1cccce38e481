/**
 * Completion notices: whoever finishes a query publishes its id; API requests waiting with
 * `?wait=` and the coordinator holding the query's snapshot are woken at once, without one
 * listener per query.
 */
import { QUERY_DONE_CHANNEL } from '@pgfan/contracts';
import type { Redis } from 'ioredis';

export async function publishDone(redis: Redis, queryId: string): Promise<void> {
  await redis.publish(QUERY_DONE_CHANNEL, queryId);
}

/** One subscription per process; any number of waiters. */
export class CompletionWaiter {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly subscribed: Promise<unknown>;

  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (_channel: string, queryId: string) => {
      const waiting = this.waiters.get(queryId);
      if (!waiting) return;
      this.waiters.delete(queryId);
      waiting.forEach((wake) => wake());
    });
    this.subscribed = subscriber.subscribe(QUERY_DONE_CHANNEL);
  }

  /** Resolves once the subscription is active. */
  ready(): Promise<unknown> {
    return this.subscribed;
  }

  /**
   * Resolves true when `queryId` is reported done, false after `timeoutMs` or when `signal`
   * aborts. Check the record after subscribing: a notice published before is not replayed.
   */
  wait(queryId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const set = this.waiters.get(queryId) ?? new Set();
      this.waiters.set(queryId, set);
      const finish = (done: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(queryId) === set) this.waiters.delete(queryId);
        resolve(done);
      };
      const wake = () => finish(true);
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort);
      set.add(wake);
    });
  }

  async close(): Promise<void> {
    this.waiters.forEach((set) => set.forEach((wake) => wake()));
    this.waiters.clear();
    await this.subscriber.quit().catch(() => undefined);
  }
}
