/** A cap on what the API carries at once, each taking a session of its query pool for as long as it lasts. */
export class Places {
  private taken = 0;

  constructor(private readonly max: number) {}

  /** Takes a place if one is free (`leave` gives it back): past `max`, the work goes to the workers. */
  tryEnter(): boolean {
    if (this.taken >= this.max) return false;
    this.taken += 1;
    return true;
  }

  leave(): void {
    this.taken -= 1;
  }

  /** Gives the place back once `work` settles, after `forget` (the subclass's own bookkeeping); returns `work` settled, never rejecting. */
  protected leaveWhenSettled(work: Promise<unknown>, forget: () => void): Promise<void> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    void settled.finally(() => {
      forget();
      this.leave();
    });
    return settled;
  }

  get size(): number {
    return this.taken;
  }
}
