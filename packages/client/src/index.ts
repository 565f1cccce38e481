/**
 * @pgfan/client — the REST API's one client, for the CLI, the dashboard and the tests. Requests are
 * typed by src/openapi.ts, generated from the OpenAPI document the API serves (a path, a parameter
 * or a body the document does not have does not compile); answers are checked with the zod schemas
 * the document was generated from. Errors are thrown: `PgfanApiError` with the API's stable code,
 * `PgfanUnreachableError` when there is no answer at all.
 */
import createClient, { type Client } from 'openapi-fetch';
import { FINAL_STATUSES, HealthReport, QueryPage, QueryView, ResultPage, type ErrorRecord, type QueryStatus, type SubmitQuery } from '@pgfan/contracts';
import type { paths } from './openapi';

export type { paths } from './openapi';

export interface PgfanClientOptions {
  /** The API's address, e.g. `http://127.0.0.1:3000` (a trailing slash is fine); in a browser, the page's origin. */
  baseUrl: string;
  /** The API key, sent as a Bearer token; read before every request, so a function may change it. None when the API has no keys. */
  apiKey?: string | null | (() => string | null | undefined);
  /** Called with every error answer before it is thrown (the dashboard asks for a key again on 401). */
  onError?: (error: PgfanApiError) => void;
  /** The `fetch` to use; the global one by default. */
  fetch?: (request: Request) => Promise<Response>;
  /** The class requests are built with (openapi-fetch's option); the global one by default. `nodeTransport()` from `@pgfan/client/node` gives both. */
  Request?: typeof Request;
}

/** The API answered with an error: its HTTP status, its `{ code, message, position? }` and the request's id in its logs. */
export class PgfanApiError extends Error {
  override readonly name = 'PgfanApiError';
  constructor(
    readonly status: number,
    readonly error: ErrorRecord,
    readonly requestId: string | null,
  ) {
    super(error.message);
  }

  get code(): string {
    return this.error.code;
  }
}

/** No answer from the API: it is down, or the address is wrong. */
export class PgfanUnreachableError extends Error {
  override readonly name = 'PgfanUnreachableError';
}

/** What a submission returns: the query's record, and whether it finished within the wait (200) or is still going (202). */
export interface Submitted {
  query: QueryView;
  finished: boolean;
}

export class PgfanClient {
  /** The typed openapi-fetch client underneath, for what the methods below do not cover. */
  readonly http: Client<paths>;
  readonly baseUrl: string;
  private readonly onError: ((error: PgfanApiError) => void) | undefined;

  constructor(options: PgfanClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.onError = options.onError;
    // The global fetch as it is when a request is sent, not when the client was made (a page's or a test's may replace it).
    const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
    this.http = createClient<paths>({ baseUrl: this.baseUrl, fetch: send, Request: options.Request });
    const { apiKey } = options;
    this.http.use({
      onRequest({ request }) {
        const key = typeof apiKey === 'function' ? apiKey() : apiKey;
        if (key) request.headers.set('authorization', `Bearer ${key}`);
        return request;
      },
    });
  }

  /**
   * Submits a query; with `waitMs`, waits up to that long for it to finish (`?wait=`).
   * @throws PgfanApiError when it is refused (e.g. `SYNTAX_ERROR` with its position, `RATE_LIMITED`).
   */
  async submit(query: SubmitQuery, options: { waitMs?: number } = {}): Promise<Submitted> {
    const { data, response } = await this.answer(
      this.http.POST('/api/queries', { body: query, params: { query: options.waitMs === undefined ? {} : { wait: options.waitMs } } }),
    );
    return { query: QueryView.parse(data), finished: response.status === 200 };
  }

  /**
   * Submits a query and follows it to its end: the submission waits up to `waitMs`, then the record
   * is read every `pollMs`, each unfinished one told to `onProgress`.
   * @returns the finished record (completed, failed or cancelled).
   * @throws PgfanApiError when it is refused.
   */
  async run(query: SubmitQuery, options: { waitMs?: number; pollMs?: number; onProgress?: (view: QueryView) => void } = {}): Promise<QueryView> {
    let view = (await this.submit(query, { waitMs: options.waitMs ?? 60_000 })).query;
    while (!FINAL_STATUSES.includes(view.status)) {
      options.onProgress?.(view);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
      view = await this.query(view.id);
    }
    return view;
  }

  /** A query's record (with a preview of its result once completed). @throws PgfanApiError `NOT_FOUND`. */
  async query(id: string): Promise<QueryView> {
    return QueryView.parse((await this.answer(this.http.GET('/api/queries/{id}', { params: { path: { id } } }))).data);
  }

  /** Cancels a query. @throws PgfanApiError `NOT_FOUND`, or `QUERY_FINISHED` when it had already finished. */
  async cancel(id: string): Promise<QueryView> {
    return QueryView.parse((await this.answer(this.http.DELETE('/api/queries/{id}', { params: { path: { id } } }))).data);
  }

  /** A page of the query history, newest first. */
  async list(options: { status?: QueryStatus; limit?: number; cursor?: string | null } = {}): Promise<QueryPage> {
    const { status, limit, cursor } = options;
    const query = { ...(status ? { status } : {}), ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) };
    return QueryPage.parse((await this.answer(this.http.GET('/api/queries', { params: { query } }))).data);
  }

  /** A page of a completed query's whole result, from a cursor or an offset. */
  async resultPage(id: string, page: { cursor?: string | null; offset?: number; limit?: number } = {}): Promise<ResultPage> {
    const { cursor, offset, limit } = page;
    const query = { ...(cursor ? { cursor } : {}), ...(offset !== undefined ? { offset } : {}), ...(limit ? { limit } : {}) };
    return ResultPage.parse((await this.answer(this.http.GET('/api/queries/{id}/result', { params: { path: { id }, query } }))).data);
  }

  /** A completed query's whole result as CSV: what PostgreSQL's `COPY … CSV HEADER` writes. */
  async resultCsv(id: string): Promise<string> {
    const { data } = await this.answer(
      this.http.GET('/api/queries/{id}/result', { params: { path: { id } }, headers: { accept: 'text/csv' }, parseAs: 'text' }),
    );
    return data as string;
  }

  /** Readiness: with a key (or without keys configured) the full report; a request without a key gets `{ status }` alone. */
  async health(): Promise<HealthReport | { status: string }> {
    const { data, error } = await this.reach(this.http.GET('/api/health'));
    // 503 carries the same report, saying what is down.
    const report = (data ?? error) as unknown;
    const full = HealthReport.safeParse(report);
    return full.success ? full.data : { status: String((report as { status?: unknown } | null)?.status ?? 'unknown') };
  }

  /** The answer of a request that succeeded; an error answer is thrown as PgfanApiError. */
  private async answer<T extends { data?: unknown; error?: unknown; response: Response }>(sent: Promise<T>): Promise<T & { data: NonNullable<T['data']> }> {
    const answer = await this.reach(sent);
    if (answer.response.ok) return answer as T & { data: NonNullable<T['data']> };
    const { response } = answer;
    const record = (answer.error as { error?: ErrorRecord } | undefined)?.error;
    const error = new PgfanApiError(
      response.status,
      record ?? { code: 'HTTP_ERROR', message: `the API answered ${response.status}` },
      response.headers.get('x-request-id'),
    );
    this.onError?.(error);
    throw error;
  }

  /** The answer, or PgfanUnreachableError when there was none. */
  private async reach<T>(sent: Promise<T>): Promise<T> {
    try {
      return await sent;
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new PgfanUnreachableError(`cannot reach the API at ${this.baseUrl || 'this page'} (${cause})`);
    }
  }
}
