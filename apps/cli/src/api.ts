/** The API as the CLI's commands reach it: its address and, when the API has keys, the key to send. */
import type { CliEnv } from './env';

export interface ApiTarget {
  /** Without a trailing slash. */
  readonly url: string;
  readonly key?: string;
}

export function apiTarget(env: CliEnv): ApiTarget {
  return { url: env.API_URL.replace(/\/$/, ''), ...(env.API_KEY ? { key: env.API_KEY } : {}) };
}

/** `fetch` of `path` on the API, with the key as a Bearer token and JSON bodies marked as such. */
export function apiFetch(api: ApiTarget, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (api.key) headers.set('authorization', `Bearer ${api.key}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${api.url}${path}`, { ...init, headers });
}
