/**
 * Query events on one Redis pub/sub channel: published by whoever changes a query (API, worker),
 * heard by every API process (to relay to dashboards) and by anyone waiting for a query to end
 * (`?wait=`, the coordinator holding its snapshot) — without a listener per query.
 */
import { FINAL_EVENTS, QUERY_EVENTS_CHANNEL, QueryEvent } from '@pgfan/contracts';
import type { Redis } from 'ioredis';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** An event as its publisher describes it; publishing stamps the time. */
export type NewQueryEvent = DistributiveOmit<QueryEvent, 'at'>;

/** Publishes an event, stamped with the current time. */
export function publishQueryEvent(redis: Redis, event: NewQueryEvent): Promise<void> {
  return publishQueryEvents(redis, [event]);
}

/**
 * Publishes events in order, as one message: every process subscribed (the API and each worker)
 * reads and parses it once, not once per event.
 */
export async function publishQueryEvents(redis: Redis, events: NewQueryEvent[]): Promise<void> {
  if (events.length > 0) await redis.publish(QUERY_EVENTS_CHANNEL, queryEventsMessage(events));
}

/** A message of the channel: the events in order, stamped with one time. */
export function queryEventsMessage(events: NewQueryEvent[]): string {
  const at = new Date().toISOString();
  return JSON.stringify(events.map((event) => ({ ...event, at })));
}

/** The items of a message: an array of events, or one event (as processes of an earlier build publish them, during a rolling update). */
function itemsOf(message: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(message);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [];
  }
}

/** The query an item says has ended, if it is an ending. */
function endingOf(item: unknown): string | undefined {
  const { id, type } = (item ?? {}) as { id?: unknown; type?: unknown };
  return typeof id === 'string' && FINAL_EVENTS.includes(type as QueryEvent['type']) ? id : undefined;
}

/** One subscription per process, any number of listeners and waiters. */
export class QueryEventBus {
  private readonly listeners = new Set<(event: QueryEvent) => void>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly subscribed: Promise<unknown>;

  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (_channel: string, message: string) => this.receive(message));
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

  /**
   * Hands a message's events to the listeners, checked, and wakes the waiters of the queries it
   * ends. A process with neither (a worker whose coordinators wait for nothing) does not parse it:
   * every process hears every query's events.
   */
  private receive(message: string): void {
    if (this.listeners.size === 0 && this.waiters.size === 0) return;
    for (const item of itemsOf(message)) {
      if (this.listeners.size > 0) {
        const parsed = QueryEvent.safeParse(item);
        if (parsed.success) this.listeners.forEach((listener) => listener(parsed.data));
      }
      const ended = endingOf(item);
      if (ended !== undefined) this.wake(ended);
    }
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
