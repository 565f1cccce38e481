/**
 * A value read again only once the last read is `maxAgeMs` old, shared by every caller meanwhile.
 * Every submission needs the cost model and the workers' fragment slots, which change over
 * seconds; read from Redis for each query they were four round trips (about 0.9 ms of the
 * headline query's 13 ms). The dashboard's worker scale, from the Kubernetes API, is read the same
 * way. The cost model and the worker slots the API also keeps fresh (`keepFresh`): read only on
 * demand, they made the first query after a pause of a second or more wait for them (not the
 * fragment backlog: `ApiContext.fragmentBacklog` says why).
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

  /**
   * Reads again in the background twice every `maxAgeMs`, each read taking the last's place once
   * it has settled, so that `get` finds one young enough without waiting: a query sent after a
   * pause does not wait on the read. Returns what stops it.
   */
  keepFresh(): () => void {
    // One at a time: a source slow to answer (Redis reconnecting) is not asked again meanwhile.
    let reading = false;
    const timer = setInterval(() => {
      if (reading) return;
      reading = true;
      const read = { at: this.now(), value: this.read() };
      const settled = () => {
        reading = false;
        if (!this.last || this.last.at < read.at) this.last = read;
      };
      read.value.then(settled, settled);
    }, this.maxAgeMs / 2);
    timer.unref();
    return () => clearInterval(timer);
  }
}
