/**
 * What a client hears when its request is refused or fails, whichever way it came (REST now, the
 * PostgreSQL protocol next): a stable code, a message for people, the position in its SQL when
 * there is one, and when to try again. Each front end renders it its own way (http.ts: a status
 * and `{ "error": … }`).
 */
import type { SqlPosition } from '@pgfan/contracts';

export class ServiceError extends Error {
  override readonly name = 'ServiceError';

  constructor(
    readonly code: string,
    message: string,
    readonly position?: SqlPosition,
    /** Seconds after which the same request may succeed (a limit, an overload). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
