/** A promise with its resolve and reject at hand: what node-postgres Submittables settle from their callbacks. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A result nobody waits for any more (the caller gave up, or failed first) must not be an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
