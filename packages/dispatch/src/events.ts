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

/**
 * A message of the channel: the events in order, stamped with one time. The last may carry a
 * payload for one process (carried.ts): an ending the query's finished record, for the API waiting
 * to answer with it; a fragment's end its rows, for the API combining them. Listeners never see it.
 */
export function queryEventsMessage(events: NewQueryEvent[], carried?: object): string {
  const at = new Date().toISOString();
  const last = events.length - 1;
  return JSON.stringify(events.map((event, i) => (i === last && carried ? { ...event, at, carried } : { ...event, at })));
}

/** What a waiter hears when its query ends: what the ending carried, if anything (unchecked: see `carriedRecord`). */
export interface Ending {
  carried?: unknown;
}

/** An event of one query as a watcher gets it (`QueryEventBus.watch`): unchecked, with what it carried. */
export interface WatchedEvent {
  type: string;
  index?: unknown;
  carried?: unknown;
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
  private readonly waiters = new Map<string, Set<(ending: Ending) => void>>();
  private readonly watchers = new Map<string, Set<(event: WatchedEvent) => void>>();
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
   * Calls `watcher` with every item published about `queryId` (its events, and what is not an
   * event, as a combine's handoff), unchecked and with what it carried; returns a function that
   * stops it.
   */
  watch(queryId: string, watcher: (event: WatchedEvent) => void): () => void {
    const set = this.watchers.get(queryId) ?? new Set();
    this.watchers.set(queryId, set.add(watcher));
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(queryId) === set) this.watchers.delete(queryId);
    };
  }

  /**
   * Resolves with the ending when `queryId` ends, null after `timeoutMs` or when `signal` aborts.
   * Check the record after calling: an event published before is not replayed.
   */
  wait(queryId: string, timeoutMs: number, signal?: AbortSignal): Promise<Ending | null> {
    return new Promise((resolve) => {
      const set = this.waiters.get(queryId) ?? new Set();
      this.waiters.set(queryId, set);
      const finish = (ending: Ending | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(queryId) === set) this.waiters.delete(queryId);
        resolve(ending);
      };
      const wake = (ending: Ending) => finish(ending);
      const onAbort = () => finish(null);
      const timer = setTimeout(() => finish(null), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort);
      set.add(wake);
    });
  }

  /**
   * Hands a message's events to the listeners, checked (which leaves out a carried record), and
   * wakes the waiters of the queries it ends. A process with neither (a worker whose coordinators
   * wait for nothing) does not parse it: every process hears every query's events.
   */
  private receive(message: string): void {
    if (this.listeners.size === 0 && this.waiters.size === 0 && this.watchers.size === 0) return;
    for (const item of itemsOf(message)) {
      const watching = this.watchers.size > 0 ? this.watchers.get((item as { id?: string } | null)?.id as string) : undefined;
      if (watching && typeof (item as WatchedEvent).type === 'string') watching.forEach((watcher) => watcher(item as WatchedEvent));
      if (this.listeners.size > 0) {
        const parsed = QueryEvent.safeParse(item);
        if (parsed.success) this.listeners.forEach((listener) => listener(parsed.data));
      }
      const ended = endingOf(item);
      if (ended !== undefined) this.wake(ended, (item as Ending).carried);
    }
  }

  private wake(queryId: string, carried: unknown): void {
    const waiting = this.waiters.get(queryId);
    if (!waiting) return;
    this.waiters.delete(queryId);
    const ending = carried === undefined ? {} : { carried };
    waiting.forEach((wake) => wake(ending));
  }

  async close(): Promise<void> {
    this.waiters.forEach((set) => set.forEach((wake) => wake({})));
    this.waiters.clear();
    this.watchers.clear();
    this.listeners.clear();
    await this.subscriber.quit().catch(() => undefined);
  }
}
