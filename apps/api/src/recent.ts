/**
 * A value read again only once the last read is `maxAgeMs` old, shared by every caller meanwhile.
 * Every submission needs the cost model and the workers' fragment slots, which change over
 * seconds; read from Redis for each query they were four round trips (about 0.9 ms of the
 * headline query's 13 ms). The dashboard's worker scale, from the Kubernetes API, is read the same
 * way.
 */
export class Recent<T> {
  private last: { at: number; value: Promise<T> } | null = null;

  /** @param read is shared by every caller until it is `maxAgeMs` old, a rejection included. */
  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The latest read if it is younger than `maxAgeMs` (still in flight or not), else a new one. */
  get(): Promise<T> {
    const now = this.now();
    if (!this.last || now - this.last.at >= this.maxAgeMs) this.last = { at: now, value: this.read() };
    return this.last.value;
  }
}
