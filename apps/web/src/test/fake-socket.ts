/**
 * An in-memory stand-in for the dashboard's socket.io connection, for component tests: the test
 * plays the server (emitting events, answering `watch`). The browser test uses the real thing.
 */
import type { QueryView } from '@pgfan/contracts';
import type { ApiSocket } from '../lib/socket';

type Listener = (...args: unknown[]) => void;

export class FakeSocket {
  connected = true;
  readonly watched: string[] = [];
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly records: Map<string, QueryView> = new Map()) {}

  on(event: string, listener: Listener): this {
    (this.listeners.get(event) ?? this.listeners.set(event, new Set()).get(event))!.add(listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  /** Client → server. */
  emit(event: string, ...args: unknown[]): this {
    if (event === 'watch') {
      const [id, answer] = args as [string, (record: QueryView | null) => void];
      this.watched.push(id);
      answer(this.records.get(id) ?? null);
    }
    return this;
  }

  /** Server → client. */
  serverEmit(event: string, ...args: unknown[]): void {
    this.listeners.get(event)?.forEach((listener) => listener(...args));
  }

  disconnect(): void {
    this.connected = false;
    this.serverEmit('disconnect');
  }

  reconnect(): void {
    this.connected = true;
    this.serverEmit('connect');
  }

  asSocket(): ApiSocket {
    return this as unknown as ApiSocket;
  }
}
