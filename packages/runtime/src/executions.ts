/**
 * Which statements a process ran alone. A query's time teaches the cost model only if nothing
 * else of the same process ran while it did: under 20 concurrent clients each query shares the
 * cores with 19 others, and learning from those times taught the model that a 100K-row COUNT(*)
 * was slow enough to fan out (docs/benchmarks.md). Statements of other processes are not seen.
 */
export interface Execution {
  /** Ends it (again: no effect); `alone` when no other execution of this tracker overlapped it. */
  end(): { alone: boolean };
}

export class Executions {
  private readonly running = new Set<{ overlapped: boolean }>();

  begin(): Execution {
    const self = { overlapped: this.running.size > 0 };
    for (const other of this.running) other.overlapped = true;
    this.running.add(self);
    return {
      end: () => {
        this.running.delete(self);
        return { alone: !self.overlapped };
      },
    };
  }
}
