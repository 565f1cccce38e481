/**
 * The API as the CLI's commands reach it: @pgfan/client at API_URL, with API_KEY when the API has
 * keys, over node:http (`@pgfan/client/node`: half the client's CPU of Node's fetch).
 */
import { PgfanClient } from '@pgfan/client';
import { nodeTransport } from '@pgfan/client/node';
import type { CliEnv } from './env';

export function apiClient(env: CliEnv): PgfanClient {
  return new PgfanClient({ baseUrl: env.API_URL, apiKey: env.API_KEY ?? null, ...nodeTransport() });
}
