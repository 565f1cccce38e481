/**
 * One logger per process (pino): JSON lines outside a terminal, for log collectors; pretty lines in
 * one, for people. Lines about a request or a query carry `requestId` / `queryId` as fields (child
 * loggers), so one query's story can be grepped from the API's and every worker's logs.
 */
import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { z } from 'zod';

export type { Logger };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The logging settings every process reads. */
export const loggingEnv = {
  /** Least severe level written: `fatal`, `error`, `warn`, `info` (the default), `debug`, `trace` or `silent`. */
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  /** `json` (one object per line) or `pretty`; unset, pretty when standard output is a terminal and JSON otherwise. */
  LOG_FORMAT: z.enum(['json', 'pretty'], { message: 'must be json or pretty' }).optional(),
};

export interface LoggerOptions {
  /** The process, e.g. `pgfan-api` or `pgfan-worker w1`: every line's `name`. */
  name: string;
  level: (typeof LOG_LEVELS)[number];
  format?: 'json' | 'pretty';
  /** Fields every line carries, e.g. `{ worker: 'w1' }`. */
  base?: Record<string, unknown>;
}

/**
 * The process's root logger, writing to standard output. Errors logged as `{ err }` keep their
 * message and stack as fields, never as lines of their own.
 */
export function createLogger({ name, level, format, base = {} }: LoggerOptions): Logger {
  // pino's own base (pid, hostname: the pod's name in Kubernetes), and the caller's fields.
  const options = { name, level, base: { pid: process.pid, hostname: hostname(), ...base }, serializers: { err: pino.stdSerializers.err } };
  // Synchronous, in this thread: a line is out before the process can exit. pino's default
  // (asynchronous) writes let a worker's last lines swap places as it exited.
  if ((format ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'json') return pino(options, pino.destination({ dest: 1, sync: true }));
  return pino(options, pretty({ sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }));
}
