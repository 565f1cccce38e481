/**
 * Query events on one Redis pub/sub channel: published by whoever changes a query (API, worker),
 * heard by every API process (to relay to dashboards) and by anyone waiting for a query to end
 * (`?wait=`, the coordinator holding its snapshot) — without a listener per query.
 */
import { FINAL_EVENTS, QUERY_EVENTS_CHANNEL, QueryEvent } from '@pgfan/contracts';
import type { ChainableCommander, Redis } from 'ioredis';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** An event as its publisher describes it; publishing stamps the time. */
export type NewQueryEvent = DistributiveOmit<QueryEvent, 'at'>;

/** Publishes an event, stamped with the current time. */
export async function publishQueryEvent(redis: Redis, event: NewQueryEvent): Promise<void> {
  await redis.publish(QUERY_EVENTS_CHANNEL, stamped(event));
}

/**
 * Publishes events in order, and `also` runs whatever else belongs with them, all in one write
 * to Redis: the syscalls, not Redis, are what a burst of single commands costs here.
 */
export async function publishQueryEvents(redis: Redis, events: NewQueryEvent[], also?: (pipeline: ChainableCommander) => void): Promise<void> {
  const pipeline = redis.pipeline();
  also?.(pipeline);
  for (const event of events) pipeline.publish(QUERY_EVENTS_CHANNEL, stamped(event));
  const results = (await pipeline.exec()) ?? [];
  const failure = results.find(([error]) => error)?.[0];
  if (failure) throw failure;
}

function stamped(event: NewQueryEvent): string {
  return JSON.stringify({ ...event, at: new Date().toISOString() });
}

/** One subscription per process, any number of listeners and waiters. */
export class QueryEventBus {
  private readonly listeners = new Set<(event: QueryEvent) => void>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly subscribed: Promise<unknown>;

  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (_channel: string, message: string) => {
      const parsed = QueryEvent.safeParse(JSON.parse(message));
      if (!parsed.success) return;
      const event = parsed.data;
      this.listeners.forEach((listener) => listener(event));
      if (FINAL_EVENTS.includes(event.type)) this.wake(event.id);
    });
    this.subscribed = subscriber.subscribe(QUERY_EVENTS_CHANNEL);
  }

  /** Resolves once the subscription is active. */
  ready(): Promise<unknown> {
    return this.subscribed;
  }

  /** Calls `listener` with every event; returns a function that stops it. */
  subscribe(listener: (event: QueryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves true when `queryId` ends, false after `timeoutMs` or when `signal` aborts. Check
   * the record after calling: an event published before is not replayed.
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

  private wake(queryId: string): void {
    const waiting = this.waiters.get(queryId);
    if (!waiting) return;
    this.waiters.delete(queryId);
    waiting.forEach((wake) => wake());
  }

  async close(): Promise<void> {
    this.waiters.forEach((set) => set.forEach((wake) => wake()));
    this.waiters.clear();
    this.listeners.clear();
    await this.subscriber.quit().catch(() => undefined);
  }
}
