/**
 * `{ value }` once `promise` resolves, or null if `ms` pass or `signal` aborts first; rejects as it
 * does. A plain timer, not `AbortSignal.timeout`: Node 20 collects a timeout signal that only
 * `AbortSignal.any` refers to, and then it never fires.
 */
export async function settledWithin<T>(promise: Promise<T>, ms: number, signal: AbortSignal): Promise<{ value: T } | null> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  const over = new Promise<null>((resolve) => {
    onAbort = () => resolve(null);
    timer = setTimeout(onAbort, ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise.then((value) => ({ value })), over]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
