/** The /api/queries handlers: submit, read, list, cancel — HTTP in and out; the work is the submit service's and the store's. */
import { QueryStatus, SubmitQuery } from '@pgfan/contracts';
import { decodeCursor, listQueries } from '@pgfan/store';
import { ownerScope } from './auth';
import type { ApiContext } from './context';
import { ServiceError } from './errors';
import type { ApiRequest, ApiResponse } from './http';
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

export function cancelQueryHandler(ctx: ApiContext) {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    const id = req.params.id ?? '';
    const { record, outcome } = UUID.test(id) ? await cancel(ctx, id, ownerScope(req)) : { record: null, outcome: 'missing' as const };
    if (outcome === 'missing') throw new ServiceError('NOT_FOUND', `no query with id ${id}`);
    if (outcome === 'finished') throw new ServiceError('QUERY_FINISHED', `the query already ${record?.status ?? 'finished'}; there is nothing to cancel`);
    return { status: 200, body: record };
  };
}
