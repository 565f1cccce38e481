/** The /api/queries handlers: submit, read, list, cancel — HTTP in and out; the work is the submit service's and the store's. */
import { QueryStatus, SubmitQuery } from '@pgfan/contracts';
import { decodeCursor, getQuery, listQueries, resultRows } from '@pgfan/store';
import { ownerScope } from './auth';
import type { ApiContext } from './context';
import { ServiceError } from './errors';
import type { ApiRequest, ApiResponse } from './http';
import { RESULT_PAGE_ROWS, resultHeader as header, resultLines as rowLines, RESULT_TYPES, type ResultType } from '@pgfan/engine';
import { cancel, queryView, submit } from './submit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function integerParam(query: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ServiceError('BAD_REQUEST', `?${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

export function submitQuery(ctx: ApiContext) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const parsed = SubmitQuery.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ServiceError('BAD_REQUEST', `invalid request body: ${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid'}`);
    }
    const waitMs = integerParam(req.query, 'wait', 0, ctx.env.MAX_WAIT_MS);
    const { record, finished } = await submit(ctx, {
      ...parsed.data,
      ...(waitMs !== undefined ? { waitMs } : {}),
      caller: req,
      log: req.log,
      signal: req.signal,
    });
    return { status: finished ? 200 : 202, body: record, headers: { Location: `/api/queries/${record.id}` } };
  };
}

export function getQueryHandler(ctx: ApiContext) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const id = req.params.id ?? '';
    // Another key's query is not there, as far as this key can tell.
    const record = UUID.test(id) ? await queryView(ctx, id, ownerScope(req)) : null;
    if (!record) throw new ServiceError('NOT_FOUND', `no query with id ${id}`);
    return { status: 200, body: record };
  };
}

export function listQueriesHandler(ctx: ApiContext) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const limit = integerParam(req.query, 'limit', 1, 100) ?? 20;
    const status = req.query.status;
    if (status !== undefined && !QueryStatus.safeParse(status).success) {
      throw new ServiceError('BAD_REQUEST', `?status must be one of ${QueryStatus.options.join(', ')}`);
    }
    const cursor = req.query.cursor;
    if (cursor !== undefined) {
      if (typeof cursor !== 'string') throw new ServiceError('BAD_REQUEST', '?cursor must be a single value');
      try {
        decodeCursor(cursor);
      } catch (error) {
        throw new ServiceError('BAD_REQUEST', (error as Error).message);
      }
    }
    const page = await listQueries(ctx.storePool, {
      limit,
      owner: ownerScope(req),
      ...(status ? { status: status as QueryStatus } : {}),
      ...(cursor ? { cursor: cursor as string } : {}),
    });
    return { status: 200, body: page };
  };
}

/** Rows a page of GET /api/queries/:id/result holds, unless `?limit=` says otherwise. */
const RESULT_PAGE_LIMIT = 1000;

function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeOffset(cursor: unknown): number {
  if (cursor === undefined) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw new ServiceError('BAD_REQUEST', '?cursor is not one this server returned');
}

/**
 * A completed query's whole result: a page of rows as JSON (`?cursor=&limit=`), or every row from
 * the cursor on as NDJSON or CSV, by the Accept header.
 */
export function resultHandler(ctx: ApiContext) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const id = req.params.id ?? '';
    const record = UUID.test(id) ? await getQuery(ctx.storePool, id, ownerScope(req)) : null;
    if (!record) throw new ServiceError('NOT_FOUND', `no query with id ${id}`);
    const { result } = record;
    if (record.status !== 'completed' || !result)
      throw new ServiceError('QUERY_NOT_COMPLETED', `the query is ${record.status}: its result can be read once it has completed`);
    if (result.truncated && result.stored !== true) {
      throw new ServiceError(
        'RESULT_NOT_STORED',
        `only the first ${result.rows.length} of ${result.rowCount} rows were kept (a preview was asked for, and the result is larger than RESULT_MAX_BYTES): run it without "preview", narrow it, or raise RESULT_MAX_BYTES`,
      );
    }
    const type = req.accepts([...RESULT_TYPES]) as ResultType | false;
    if (!type) throw new ServiceError('NOT_ACCEPTABLE', `a result is sent as ${RESULT_TYPES.join(', ')}`);
    // A cursor continues a read; an offset goes straight to a row (a dashboard's page).
    if (req.query.cursor !== undefined && req.query.offset !== undefined) throw new ServiceError('BAD_REQUEST', 'give ?cursor or ?offset, not both');
    const offset = integerParam(req.query, 'offset', 0, result.rowCount) ?? decodeOffset(req.query.cursor);
    const read = (from: number, count: number) =>
      result.truncated ? resultRows(ctx.storePool, id, from, count, RESULT_PAGE_ROWS) : Promise.resolve(result.rows.slice(from, from + count));
    if (type === 'application/json') {
      const limit = integerParam(req.query, 'limit', 1, 10_000) ?? RESULT_PAGE_LIMIT;
      const rows = await read(offset, limit);
      const end = offset + rows.length;
      return { status: 200, body: { columns: result.columns, rows, rowCount: result.rowCount, nextCursor: end < result.rowCount ? encodeOffset(end) : null } };
    }
    async function* chunks(format: Exclude<ResultType, 'application/json'>) {
      yield header(format, result!.columns);
      for (let from = offset; from < result!.rowCount; from += RESULT_PAGE_ROWS) {
        const rows = await read(from, RESULT_PAGE_ROWS);
        if (rows.length === 0) return;
        yield rowLines(format, result!.columns, rows);
      }
    }
    return { status: 200, body: null, stream: { contentType: type, chunks: chunks(type) } };
  };
}

export function cancelQueryHandler(ctx: ApiContext) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const id = req.params.id ?? '';
    const { record, outcome } = UUID.test(id) ? await cancel(ctx, id, ownerScope(req)) : { record: null, outcome: 'missing' as const };
    if (outcome === 'missing') throw new ServiceError('NOT_FOUND', `no query with id ${id}`);
    if (outcome === 'finished') throw new ServiceError('QUERY_FINISHED', `the query already ${record?.status ?? 'finished'}; there is nothing to cancel`);
    return { status: 200, body: record };
  };
}
