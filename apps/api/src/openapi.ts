/** GET /api/openapi.json: an OpenAPI 3.1 description generated from the same zod schemas the API uses. */
import { ApiError, HealthReport, QueryPage, QueryStatus, QueryView, ResultPage, SubmitQuery } from '@pgfan/contracts';
import { z } from 'zod';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any' });
const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const error = (description: string) => ({ description, content: json('ApiError') });
const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

/** The OpenAPI document; `version` is the API's package version. */
export function openApiDocument(version: string): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'pgfan',
      version,
      description:
        'Submit a read-only SELECT; pgfan splits it over workers and returns exactly what PostgreSQL would. Errors are `{ "error": { "code", "message", "position"? } }` with stable codes. With API keys, a key sees, lists and cancels only the queries it submitted; an admin key, every query.',
    },
    paths: {
      '/api/queries': {
        post: {
          summary: 'Submit a query',
          parameters: [{ name: 'wait', in: 'query', description: 'wait up to this many ms for the result', schema: { type: 'integer', minimum: 0 } }],
          requestBody: { required: true, content: json('SubmitQuery') },
          responses: {
            200: { description: 'finished within ?wait', content: json('QueryView') },
            202: { description: 'accepted; poll Location', content: json('QueryView') },
            400: error(
              'bad JSON or body (BAD_REQUEST, INVALID_JSON), SQL that does not parse (SYNTAX_ERROR, with position) or names unknown columns or tables or a $1 parameter (INVALID_QUERY)',
            ),
            413: error('body too large (PAYLOAD_TOO_LARGE)'),
            422: error(
              'not one read-only SELECT (NOT_READ_ONLY, MULTIPLE_STATEMENTS, UNSUPPORTED_STATEMENT), a call of a function pgfan refuses (FORBIDDEN_FUNCTION), or PostgreSQL failed it while planning (QUERY_FAILED)',
            ),
            503: error('PostgreSQL or Redis unavailable (UNAVAILABLE), or planning took longer than PLANNING_TIMEOUT_MS (TIMEOUT)'),
          },
        },
        get: {
          summary: "Query history, newest first, without result rows: the key's own queries (an admin key's: everyone's)",
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'status', in: 'query', schema: { type: 'string', enum: QueryStatus.options } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
          ],
          responses: { 200: { description: 'a page of queries', content: json('QueryPage') }, 400: error('bad parameters (BAD_REQUEST)') },
        },
      },
      '/api/queries/{id}': {
        get: {
          summary: 'A query and, once completed, its result',
          parameters: [idParameter],
          responses: { 200: { description: 'the query', content: json('QueryView') }, 404: error("unknown id, or another key's query (NOT_FOUND)") },
        },
        delete: {
          summary: 'Cancel a query',
          parameters: [idParameter],
          responses: {
            200: { description: 'cancelled', content: json('QueryView') },
            404: error("unknown id, or another key's query (NOT_FOUND)"),
            409: error('the query already finished (QUERY_FINISHED)'),
          },
        },
      },
      '/api/queries/{id}/result': {
        get: {
          summary:
            "A completed query's whole result: a page of rows as JSON, or every row from the cursor on as NDJSON (a first line {\"columns\"}, then one JSON array per row) or CSV (a header, values as PostgreSQL's text), by the Accept header. The query's record keeps only a preview (RESULT_MAX_ROWS).",
          parameters: [
            idParameter,
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page; the first row when omitted' },
            { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 }, description: 'start at this row (0 the first) instead of a cursor' },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 }, description: 'rows in a JSON page' },
          ],
          responses: {
            200: {
              description: 'rows',
              content: {
                ...json('ResultPage'),
                'application/x-ndjson': { schema: { type: 'string' } },
                'text/csv': { schema: { type: 'string' } },
              },
            },
            400: error('a cursor this server did not return, or a bad limit (BAD_REQUEST)'),
            404: error("unknown id, or another key's query (NOT_FOUND)"),
            406: error('an Accept header none of the three formats satisfies (NOT_ACCEPTABLE)'),
            409: error('the query has not completed (QUERY_NOT_COMPLETED), or only a preview of its result was kept (RESULT_NOT_STORED)'),
          },
        },
      },
      '/api/health': {
        get: {
          summary: 'Reachability of PostgreSQL and Redis, and live workers',
          responses: {
            200: { description: 'both reachable', content: json('HealthReport') },
            503: { description: 'something is unreachable', content: json('HealthReport') },
          },
        },
      },
      '/api/health/live': {
        get: { summary: 'Liveness: the API process answers (for container probes)', responses: { 200: { description: 'alive' } } },
      },
      '/api/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
    },
    components: {
      schemas: {
        SubmitQuery: schema(SubmitQuery),
        QueryView: schema(QueryView),
        QueryPage: schema(QueryPage),
        ResultPage: schema(ResultPage),
        HealthReport: schema(HealthReport),
        ApiError: schema(ApiError),
      },
    },
  };
}
