/** The API as the CLI's commands reach it: @pgfan/client at API_URL, with API_KEY when the API has keys. */
import { PgfanClient } from '@pgfan/client';
import type { CliEnv } from './env';

export function apiClient(env: CliEnv): PgfanClient {
  return new PgfanClient({ baseUrl: env.API_URL, apiKey: env.API_KEY ?? null });
}
