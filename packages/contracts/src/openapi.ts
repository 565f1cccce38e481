/**
 * The REST API's contract: an OpenAPI 3.1 document generated from the same zod schemas the API
 * validates with. The API serves it (GET /api/openapi.json); @pgfan/client's types are generated
 * from it.
 */
import { z } from 'zod';
import { ApiError, HealthReport, QueryPage, QueryStatus, QueryView, SubmitQuery } from './query';
import { ResultPage } from './record';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any' });
const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const error = (description: string) => ({ description, content: json('ApiError') });
const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
/** What every route behind a key may also answer. */
const keyed = {
  401: error('keys are configured and the request has none that is valid (UNAUTHORIZED); WWW-Authenticate says how'),
  503: error('PostgreSQL or Redis unavailable, or this API process shutting down (UNAVAILABLE); Retry-After says when to try again'),
};
/** Open routes: no key needed (probes, this document). */
const open = { security: [] };

type Operation = { operationId: string; parameters?: object[]; responses: Record<string, object>; [field: string]: unknown };

/** Every operation takes an `X-Request-Id` and every response carries one (see access-log.ts). */
function withRequestIds<Paths extends Record<string, Record<string, Operation>>>(paths: Paths): Paths {
  for (const operation of Object.values(paths).flatMap((methods) => Object.values(methods))) {
    operation.parameters = [...(operation.parameters ?? []), { $ref: '#/components/parameters/RequestId' }];
    for (const [code, response] of Object.entries(operation.responses)) {
      operation.responses[code] = { ...response, headers: { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } } };
    }
  }
  return paths;
}

/** The OpenAPI document; `version` is the API's package version. */
export function openApiDocument(version: string): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'pgfan',
      version,
      description:
        'Submit a read-only SELECT; pgfan splits it over workers and returns exactly what PostgreSQL would. Errors are `{ "error": { "code", "message", "position"? } }` with stable codes. With API keys, a key sees, lists and cancels only the queries it submitted; an admin key, every query. Without keys configured, authentication is off (and the API listens on localhost only).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'the API that serves this document' }],
    security: [{ apiKey: [] }],
    paths: withRequestIds({
      '/api/queries': {
        post: {
          operationId: 'submitQuery',
          summary: 'Submit a query',
          parameters: [{ name: 'wait', in: 'query', description: 'wait up to this many ms for the result', schema: { type: 'integer', minimum: 0 } }],
          requestBody: { required: true, content: json('SubmitQuery') },
          responses: {
            200: { description: 'finished within ?wait', content: json('QueryView') },
            202: { description: 'accepted; poll Location', content: json('QueryView') },
            400: error(
              'bad JSON or body (BAD_REQUEST, INVALID_JSON), SQL that does not parse (SYNTAX_ERROR, with position) or names unknown columns or tables or a $1 parameter (INVALID_QUERY)',
            ),
            ...keyed,
            413: error('body too large (PAYLOAD_TOO_LARGE), or SQL past MAX_SQL_LENGTH (QUERY_TOO_LONG)'),
            403: error('the query reads a table outside ALLOWED_RELATIONS (FORBIDDEN_RELATION)'),
            415: error('the body is not JSON (UNSUPPORTED_MEDIA_TYPE)'),
            429: error("past the key's RATE_LIMIT_PER_SECOND (RATE_LIMITED) or MAX_ACTIVE_QUERIES_PER_KEY (TOO_MANY_QUERIES); Retry-After says when"),
            422: error(
              'not one read-only SELECT (NOT_READ_ONLY, MULTIPLE_STATEMENTS, UNSUPPORTED_STATEMENT), a call of a function pgfan refuses (FORBIDDEN_FUNCTION), or PostgreSQL failed it while planning (QUERY_FAILED)',
            ),
            503: error(
              'PostgreSQL or Redis unavailable, or this process shutting down (UNAVAILABLE), planning took longer than PLANNING_TIMEOUT_MS (TIMEOUT), or past MAX_ACTIVE_QUERIES (OVERLOADED); Retry-After says when',
            ),
          },
        },
        get: {
          operationId: 'listQueries',
          summary: "Query history, newest first, without result rows: the key's own queries (an admin key's: everyone's)",
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'status', in: 'query', schema: { type: 'string', enum: QueryStatus.options } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
          ],
          responses: { 200: { description: 'a page of queries', content: json('QueryPage') }, 400: error('bad parameters (BAD_REQUEST)'), ...keyed },
        },
      },
      '/api/queries/{id}': {
        get: {
          operationId: 'getQuery',
          summary: 'A query and, once completed, its result (a preview: RESULT_MAX_ROWS rows)',
          parameters: [idParameter],
          responses: { 200: { description: 'the query', content: json('QueryView') }, 404: error("unknown id, or another key's query (NOT_FOUND)"), ...keyed },
        },
        delete: {
          operationId: 'cancelQuery',
          summary: 'Cancel a query',
          parameters: [idParameter],
          responses: {
            200: { description: 'cancelled', content: json('QueryView') },
            404: error("unknown id, or another key's query (NOT_FOUND)"),
            409: error('the query already finished (QUERY_FINISHED)'),
            ...keyed,
          },
        },
      },
      '/api/queries/{id}/result': {
        get: {
          operationId: 'getQueryResult',
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
            ...keyed,
          },
        },
      },
      '/api/health': {
        get: {
          operationId: 'getHealth',
          summary:
            'Readiness: reachability of PostgreSQL and Redis, and live workers. With keys configured, a request without one (a probe) gets only the verdict',
          ...open,
          responses: {
            200: { description: 'both reachable', content: json('HealthVerdict') },
            503: { description: 'something is unreachable, or this process is shutting down', content: json('HealthVerdict') },
          },
        },
      },
      '/api/health/live': {
        get: {
          operationId: 'getLiveness',
          summary: 'Liveness: the API process answers (for container probes)',
          ...open,
          responses: {
            200: {
              description: 'alive',
              content: { 'application/json': { schema: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] } } },
            },
          },
        },
      },
      '/api/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document',
          responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } }, ...keyed },
        },
      },
    }),
    components: {
      parameters: {
        RequestId: {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          description: "the request's id in pgfan's logs (requestId); one of yours (1–128 letters, digits and ._:-) is kept, otherwise a UUID is made",
          schema: { type: 'string', pattern: '^[\\w.:-]{1,128}$' },
        },
      },
      headers: {
        RequestId: { description: "the request's id in pgfan's logs: the one sent, or a UUID", schema: { type: 'string' } },
      },
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (API_KEYS, ADMIN_KEYS, or npm run keys -- create NAME) as a Bearer token. Not needed when no key is configured.',
        },
      },
      schemas: {
        SubmitQuery: schema(SubmitQuery),
        QueryView: schema(QueryView),
        QueryPage: schema(QueryPage),
        ResultPage: schema(ResultPage),
        HealthReport: schema(HealthReport),
        // A request with a key gets the report; a probe without one, the verdict alone.
        HealthVerdict: {
          oneOf: [
            { $ref: '#/components/schemas/HealthReport' },
            { type: 'object', properties: { status: { type: 'string' } }, required: ['status'], additionalProperties: false },
          ],
        },
        ApiError: schema(ApiError),
      },
    },
  };
}
