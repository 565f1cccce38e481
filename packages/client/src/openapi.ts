/**
 * Generated from pgfan's OpenAPI document (@pgfan/contracts `openApiDocument`) by
 * scripts/generate.mjs: do not edit. A test fails when it is out of date.
 */
export interface paths {
  '/api/queries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Query history, newest first, without result rows: the key's own queries (an admin key's: everyone's) */
    get: operations['listQueries'];
    put?: never;
    /** Submit a query */
    post: operations['submitQuery'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/queries/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A query and, once completed, its result (a preview: RESULT_MAX_ROWS rows) */
    get: operations['getQuery'];
    put?: never;
    post?: never;
    /** Cancel a query */
    delete: operations['cancelQuery'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/queries/{id}/result': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A completed query's whole result: a page of rows as JSON, or every row from the cursor on as NDJSON (a first line {"columns"}, then one JSON array per row) or CSV (a header, values as PostgreSQL's text), by the Accept header. The query's record keeps only a preview (RESULT_MAX_ROWS). */
    get: operations['getQueryResult'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness: reachability of PostgreSQL and Redis, and live workers. With keys configured, a request without one (a probe) gets only the verdict */
    get: operations['getHealth'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/health/live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness: the API process answers (for container probes) */
    get: operations['getLiveness'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/openapi.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** This document */
    get: operations['getOpenApi'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    SubmitQuery: {
      /** @description one read-only SELECT */
      sql: string;
      /** @description exact fragment count; automatic when omitted */
      partitions?: number;
      /** @description spread a fan-out's fragments over this many database servers (streaming replicas, at one exact cut); needs REPLICA_URLS. One server when omitted */
      servers?: number;
      /** @description deadline for the whole query; the server caps it */
      timeoutMs?: number;
      /** @description keep only the first rows of a result past RESULT_MAX_BYTES (`result.stored` false) rather than fail with RESULT_TOO_LARGE */
      preview?: boolean;
    };
    QueryView: {
      /** Format: uuid */
      id: string;
      sql: string;
      /** @enum {string} */
      status: 'queued' | 'running' | 'combining' | 'completed' | 'failed' | 'cancelled';
      plan: {
        /** @enum {string} */
        mode: 'fan-out' | 'as-written';
        /** @description why this mode: the partitioning chosen, or what prevents splitting */
        reason: string;
        partitions: number;
        /** @enum {string} */
        strategy: 'page-range' | 'key-range' | 'none';
        table: string | null;
        fragments: {
          index: number;
          sql: string;
          params: (string | null)[];
          range:
            | (
                | {
                    fromPage: number;
                    /** @description exclusive; null for the open-ended last range */
                    toPage: number | null;
                  }
                | {
                    column: string;
                    type: string;
                    /** @description inclusive; null for the first range, which also holds the NULLs */
                    from: string | null;
                    /** @description exclusive; null for the open-ended last range */
                    to: string | null;
                  }
              )
            | null;
        }[];
        /** @description the combine query, once the fragments have reported their column types */
        combineSql: string | null;
        /** @description the cost model's prediction, to compare with timings.totalMs; null without an estimate */
        prediction?: {
          /** @description predicted milliseconds to run the query as written */
          asWrittenMs: number;
          /** @description predicted milliseconds in the plan's fragments; null when it runs as written */
          fanOutMs: number | null;
        } | null;
        /** @description where the query read the database, once it has run; absent when only the primary serves queries */
        cut?: {
          /** @description a WAL position (as PostgreSQL prints it): the answer includes every transaction the primary committed before it, the submitter's own writes included */
          lsn: string;
          /** @description the servers the fragments read, by name (host:port) */
          servers: string[];
          /**
           * @description one-snapshot: one server, and one snapshot every fragment imported. equal-replay-position: replicas paused at the same WAL position while each exported the snapshot its fragments imported, so every fragment read the same committed state
           * @enum {string}
           */
          guarantee: 'one-snapshot' | 'equal-replay-position';
          /** @description why the query ran on fewer servers than it asked for */
          reason?: string;
          /** @description how long the cut across servers took, replay paused on each for part of it */
          ms?: number;
          /** @description tries the cut took: replicas paused at different positions are resumed and paused again (0 for a cut made for another query) */
          attempts?: number;
          /** @description of `ms`: waiting for the replicas to replay up to where the primary stood (replication lag) */
          catchUpMs?: number;
          /** @description of `ms`: waiting for other workers' cuts of the same replicas */
          lockMs?: number;
          /** @description the cut was made for another query, and taken like a group commit: it holds everything this query must see */
          shared?: boolean;
          /** @description the cost model spread it (the request did not say `servers`): it was predicted long enough, and the replicas had free capacity */
          automatic?: boolean;
        } | null;
      } | null;
      fragments: {
        index: number;
        range:
          | (
              | {
                  fromPage: number;
                  /** @description exclusive; null for the open-ended last range */
                  toPage: number | null;
                }
              | {
                  column: string;
                  type: string;
                  /** @description inclusive; null for the first range, which also holds the NULLs */
                  from: string | null;
                  /** @description exclusive; null for the open-ended last range */
                  to: string | null;
                }
            )
          | null;
        /** @enum {string} */
        state: 'waiting' | 'running' | 'done' | 'failed';
        /** @description partial rows the fragment returned */
        rows: number | null;
        /** @description time the fragment ran, in milliseconds */
        ms: number | null;
        attempts: number;
        /** @description the worker that ran (or is running) it */
        worker: string | null;
        /** @description the database server it ran on (host:port), when the primary has replicas */
        server?: string | null;
      }[];
      /** @description null until completed; omitted rows in lists */
      result: {
        columns: {
          name: string;
          /** @description format_type of the column */
          type: string;
        }[];
        /** @description the first rows (RESULT_MAX_ROWS at most): the record keeps a preview */
        rows: (string | number | boolean | null)[][];
        /** @description rows the query returned, even when `rows` is truncated */
        rowCount: number;
        /** @description `rows` holds fewer rows than the query returned */
        truncated: boolean;
        /** @description every row is kept, to read page by page from GET /api/queries/{id}/result; false for a preview asked for (`preview`) of a result past RESULT_MAX_BYTES */
        stored?: boolean;
      } | null;
      error: {
        /** @description Stable error code, e.g. SYNTAX_ERROR, NOT_READ_ONLY, QUERY_FAILED */
        code: string;
        message: string;
        position?: {
          /** @description 0-based offset into the submitted SQL */
          offset: number;
          /** @description 1-based line */
          line: number;
          /** @description 1-based column */
          column: number;
        };
      } | null;
      timings: {
        /** @description ISO 8601 */
        submittedAt: string;
        startedAt: string | null;
        finishedAt: string | null;
        /** @description submitted → first fragment running */
        queueMs: number | null;
        planMs: number;
        /** @description fragments (or the whole query, when sequential) */
        executeMs: number | null;
        combineMs: number | null;
        /** @description submitted → finished */
        totalMs: number | null;
      };
      partitionsRequested: number | null;
      timeoutMs: number;
      /** @description times the query has started (again) on a fresh snapshot; 0 while queued */
      generation: number;
      /** @description who coordinates the current generation and holds its snapshot: a worker, or `api` when the API ran the query itself or coordinated its fan-out for a client that waits */
      coordinator: string | null;
    };
    QueryPage: {
      queries: {
        /** Format: uuid */
        id: string;
        sql: string;
        /** @enum {string} */
        status: 'queued' | 'running' | 'combining' | 'completed' | 'failed' | 'cancelled';
        plan: {
          /** @enum {string} */
          mode: 'fan-out' | 'as-written';
          /** @description why this mode: the partitioning chosen, or what prevents splitting */
          reason: string;
          partitions: number;
          /** @enum {string} */
          strategy: 'page-range' | 'key-range' | 'none';
          table: string | null;
          fragments: {
            index: number;
            sql: string;
            params: (string | null)[];
            range:
              | (
                  | {
                      fromPage: number;
                      /** @description exclusive; null for the open-ended last range */
                      toPage: number | null;
                    }
                  | {
                      column: string;
                      type: string;
                      /** @description inclusive; null for the first range, which also holds the NULLs */
                      from: string | null;
                      /** @description exclusive; null for the open-ended last range */
                      to: string | null;
                    }
                )
              | null;
          }[];
          /** @description the combine query, once the fragments have reported their column types */
          combineSql: string | null;
          /** @description the cost model's prediction, to compare with timings.totalMs; null without an estimate */
          prediction?: {
            /** @description predicted milliseconds to run the query as written */
            asWrittenMs: number;
            /** @description predicted milliseconds in the plan's fragments; null when it runs as written */
            fanOutMs: number | null;
          } | null;
          /** @description where the query read the database, once it has run; absent when only the primary serves queries */
          cut?: {
            /** @description a WAL position (as PostgreSQL prints it): the answer includes every transaction the primary committed before it, the submitter's own writes included */
            lsn: string;
            /** @description the servers the fragments read, by name (host:port) */
            servers: string[];
            /**
             * @description one-snapshot: one server, and one snapshot every fragment imported. equal-replay-position: replicas paused at the same WAL position while each exported the snapshot its fragments imported, so every fragment read the same committed state
             * @enum {string}
             */
            guarantee: 'one-snapshot' | 'equal-replay-position';
            /** @description why the query ran on fewer servers than it asked for */
            reason?: string;
            /** @description how long the cut across servers took, replay paused on each for part of it */
            ms?: number;
            /** @description tries the cut took: replicas paused at different positions are resumed and paused again (0 for a cut made for another query) */
            attempts?: number;
            /** @description of `ms`: waiting for the replicas to replay up to where the primary stood (replication lag) */
            catchUpMs?: number;
            /** @description of `ms`: waiting for other workers' cuts of the same replicas */
            lockMs?: number;
            /** @description the cut was made for another query, and taken like a group commit: it holds everything this query must see */
            shared?: boolean;
            /** @description the cost model spread it (the request did not say `servers`): it was predicted long enough, and the replicas had free capacity */
            automatic?: boolean;
          } | null;
        } | null;
        fragments: {
          index: number;
          range:
            | (
                | {
                    fromPage: number;
                    /** @description exclusive; null for the open-ended last range */
                    toPage: number | null;
                  }
                | {
                    column: string;
                    type: string;
                    /** @description inclusive; null for the first range, which also holds the NULLs */
                    from: string | null;
                    /** @description exclusive; null for the open-ended last range */
                    to: string | null;
                  }
              )
            | null;
          /** @enum {string} */
          state: 'waiting' | 'running' | 'done' | 'failed';
          /** @description partial rows the fragment returned */
          rows: number | null;
          /** @description time the fragment ran, in milliseconds */
          ms: number | null;
          attempts: number;
          /** @description the worker that ran (or is running) it */
          worker: string | null;
          /** @description the database server it ran on (host:port), when the primary has replicas */
          server?: string | null;
        }[];
        error: {
          /** @description Stable error code, e.g. SYNTAX_ERROR, NOT_READ_ONLY, QUERY_FAILED */
          code: string;
          message: string;
          position?: {
            /** @description 0-based offset into the submitted SQL */
            offset: number;
            /** @description 1-based line */
            line: number;
            /** @description 1-based column */
            column: number;
          };
        } | null;
        timings: {
          /** @description ISO 8601 */
          submittedAt: string;
          startedAt: string | null;
          finishedAt: string | null;
          /** @description submitted → first fragment running */
          queueMs: number | null;
          planMs: number;
          /** @description fragments (or the whole query, when sequential) */
          executeMs: number | null;
          combineMs: number | null;
          /** @description submitted → finished */
          totalMs: number | null;
        };
        partitionsRequested: number | null;
        timeoutMs: number;
        /** @description times the query has started (again) on a fresh snapshot; 0 while queued */
        generation: number;
        /** @description who coordinates the current generation and holds its snapshot: a worker, or `api` when the API ran the query itself or coordinated its fan-out for a client that waits */
        coordinator: string | null;
        rowCount: number | null;
      }[];
      /** @description pass as ?cursor= for the next page; null at the end */
      nextCursor: string | null;
    };
    ResultPage: {
      columns: {
        name: string;
        /** @description format_type of the column */
        type: string;
      }[];
      rows: (string | number | boolean | null)[][];
      /** @description rows in the whole result */
      rowCount: number;
      /** @description pass as ?cursor= for the next page; null at the end */
      nextCursor: string | null;
    };
    HealthReport: {
      /** @enum {string} */
      status: 'ok' | 'no-workers' | 'unavailable';
      /** @description the API's version (CHANGELOG.md) */
      version?: string;
      postgres: {
        ok: boolean;
        latencyMs: number;
        error?: string;
      };
      redis: {
        ok: boolean;
        latencyMs: number;
        error?: string;
      };
      workers: {
        live: number;
        fragmentSlots: number;
        ids: string[];
      };
      /** @description the cost model's learned correction; null when Redis is unreachable */
      costModel?: {
        /** @description per class of query (scan, grouped, distinct, rows, other): how much slower it runs than PostgreSQL's cost estimate predicts, as learned from queries run as written (1: as on simple scans) */
        costScales: {
          [key: string]: number;
        };
        /** @description per class of query: how much slower fragments scan than the model predicts for a fan-out, as learned from fanned-out queries (1: as predicted) */
        fanOutScales?: {
          [key: string]: number;
        };
        /** @description milliseconds a fan-out costs outside its fragments (snapshot, flow, queue hops, combine), as learned from finished fan-outs; the model adds it to every fan-out it predicts */
        fanOutMs?: number;
        /** @description milliseconds a fragment takes on a worker, on average, as learned from finished fan-outs: a new fan-out is predicted to wait this long per fragment queued or running, spread over the slots. Null until learned (no wait is predicted) */
        fragmentMs?: number | null;
        /** @description how many sessions the database runs at full speed at once, as the API measured it; null until measured (every worker slot then counts as one) */
        databaseParallelism?: number | null;
        /** @description milliseconds a simple scan takes per unit of PostgreSQL's cost estimate, as the API measured it on the database (the model's default until then); the learned scales are relative to it */
        msPerCost?: number;
        /** @description milliseconds PostgreSQL takes to start a parallel plan's first worker, as the API measured it; a query whose serial plan is then predicted faster runs without them. Null until measured (queries run in the plan PostgreSQL picks) */
        parallelStartMs?: number | null;
        /** @description milliseconds each further worker adds to a parallel plan's start-up, as the API measured it; null until measured */
        parallelWorkerStartMs?: number | null;
        /** @description false while the database's latest measurement waits for a second one, two to three minutes later, to confirm it (the first measurement, in force meanwhile, or one clearly worse than the figures in force, which stand meanwhile): load on the server only ever makes a measurement look worse, and the better of each figure is kept. Absent until measured */
        measurementConfirmed?: boolean;
      } | null;
      /** @description the database servers users' queries run on, the primary first; only when REPLICA_URLS lists replicas */
      servers?: {
        /** @description host:port, as records and jobs name it */
        name: string;
        /** @enum {string} */
        role: 'primary' | 'replica';
        reachable: boolean;
        /** @description its WAL position: the primary's write position, a replica's last replayed */
        lsn: string | null;
        /** @description bytes of WAL a replica has still to replay (0 for the primary); null when unknown */
        lagBytes: number | null;
        replayPaused: boolean;
        /** @description a replica's hot_standby_feedback (null for the primary, or when unreachable): without it replay waits for the snapshots of queries reading it, and a query spread over replicas may then read one server */
        hotStandbyFeedback?: boolean | null;
        /** @description pgfan's statements running on it now */
        active: number;
        /** @description its capacity: how many sessions it runs at full speed at once, as last measured (DATABASE_MEASUREMENT_INTERVAL_MS); null before the first measurement */
        parallelism?: number | null;
        latencyMs: number;
        error?: string;
      }[];
    };
    HealthVerdict:
      | components['schemas']['HealthReport']
      | {
          status: string;
        };
    ApiError: {
      error: {
        /** @description Stable error code, e.g. SYNTAX_ERROR, NOT_READ_ONLY, QUERY_FAILED */
        code: string;
        message: string;
        position?: {
          /** @description 0-based offset into the submitted SQL */
          offset: number;
          /** @description 1-based line */
          line: number;
          /** @description 1-based column */
          column: number;
        };
      };
    };
  };
  responses: never;
  parameters: {
    /** @description the request's id in pgfan's logs (requestId); one of yours (1–128 letters, digits and ._:-) is kept, otherwise a UUID is made */
    RequestId: string;
  };
  requestBodies: never;
  headers: {
    /** @description the request's id in pgfan's logs: the one sent, or a UUID */
    RequestId: string;
  };
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  listQueries: {
    parameters: {
      query?: {
        limit?: number;
        status?: 'queued' | 'running' | 'combining' | 'completed' | 'failed' | 'cancelled';
        /** @description nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description the request's id in pgfan's logs (requestId); one of yours (1–128 letters, digits and ._:-) is kept, otherwise a UUID is made */
        'X-Request-Id'?: components['parameters']['RequestId'];
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description a page of queries */
      200: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['QueryPage'];
        };
      };
      /** @description bad parameters (BAD_REQUEST) */
      400: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description keys are configured and the request has none that is valid (UNAUTHORIZED); WWW-Authenticate says how */
      401: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description PostgreSQL or Redis unavailable, or this API process shutting down (UNAVAILABLE); Retry-After says when to try again */
      503: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
    };
  };
  submitQuery: {
    parameters: {
      query?: {
        /** @description wait up to this many ms for the result */
        wait?: number;
      };
      header?: {
        /** @description the request's id in pgfan's logs (requestId); one of yours (1–128 letters, digits and ._:-) is kept, otherwise a UUID is made */
        'X-Request-Id'?: components['parameters']['RequestId'];
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['SubmitQuery'];
      };
    };
    responses: {
      /** @description finished within ?wait */
      200: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['QueryView'];
        };
      };
      /** @description accepted; poll Location */
      202: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['QueryView'];
        };
      };
      /** @description bad JSON or body (BAD_REQUEST, INVALID_JSON), SQL that does not parse (SYNTAX_ERROR, with position) or names unknown columns or tables or a $1 parameter (INVALID_QUERY) */
      400: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description keys are configured and the request has none that is valid (UNAUTHORIZED); WWW-Authenticate says how */
      401: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description the query reads a table outside ALLOWED_RELATIONS (FORBIDDEN_RELATION) */
      403: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description body too large (PAYLOAD_TOO_LARGE), or SQL past MAX_SQL_LENGTH (QUERY_TOO_LONG) */
      413: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description the body is not JSON (UNSUPPORTED_MEDIA_TYPE) */
      415: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description not one read-only SELECT (NOT_READ_ONLY, MULTIPLE_STATEMENTS, UNSUPPORTED_STATEMENT), a call of a function pgfan refuses (FORBIDDEN_FUNCTION), or PostgreSQL failed it while planning (QUERY_FAILED) */
      422: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description past the key's RATE_LIMIT_PER_SECOND (RATE_LIMITED) or MAX_ACTIVE_QUERIES_PER_KEY (TOO_MANY_QUERIES); Retry-After says when */
      429: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description PostgreSQL or Redis unavailable, or this process shutting down (UNAVAILABLE), planning took longer than PLANNING_TIMEOUT_MS (TIMEOUT), or past MAX_ACTIVE_QUERIES (OVERLOADED); Retry-After says when */
      503: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
    };
  };
  getQuery: {
    parameters: {
      query?: never;
      header?: {
        /** @description the request's id in pgfan's logs (requestId); one of yours (1–128 letters, digits and ._:-) is kept, otherwise a UUID is made */
        'X-Request-Id'?: components['parameters']['RequestId'];
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the query */
      200: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['QueryView'];
        };
      };
      /** @description keys are configured and the request has none that is valid (UNAUTHORIZED); WWW-Authenticate says how */
      401: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description unknown id, or another key's query (NOT_FOUND) */
      404: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description PostgreSQL or Redis unavailable, or this API process shutting down (UNAVAILABLE); Retry-After says when to try again */
      503: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
    };
  };
  cancelQuery: {
    parameters: {
      query?: never;
      header?: {
        /** @description the request's id in pgfan's logs (requestId); one of yours (1–128 letters, digits and ._:-) is kept, otherwise a UUID is made */
        'X-Request-Id'?: components['parameters']['RequestId'];
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description cancelled */
      200: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['QueryView'];
        };
      };
      /** @description keys are configured and the request has none that is valid (UNAUTHORIZED); WWW-Authenticate says how */
      401: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description unknown id, or another key's query (NOT_FOUND) */
      404: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description the query already finished (QUERY_FINISHED) */
      409: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description PostgreSQL or Redis unavailable, or this API process shutting down (UNAVAILABLE); Retry-After says when to try again */
      503: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
    };
  };
  getQueryResult: {
    parameters: {
      query?: {
        /** @description nextCursor of the previous page; the first row when omitted */
        cursor?: string;
        /** @description start at this row (0 the first) instead of a cursor */
        offset?: number;
        /** @description rows in a JSON page */
        limit?: number;
      };
      header?: {
        /** @description the request's id in pgfan's logs (requestId); one of yours (1–128 letters, digits and ._:-) is kept, otherwise a UUID is made */
        'X-Request-Id'?: components['parameters']['RequestId'];
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description rows */
      200: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ResultPage'];
          'application/x-ndjson': string;
          'text/csv': string;
        };
      };
      /** @description a cursor this server did not return, or a bad limit (BAD_REQUEST) */
      400: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description keys are configured and the request has none that is valid (UNAUTHORIZED); WWW-Authenticate says how */
      401: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description unknown id, or another key's query (NOT_FOUND) */
      404: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description an Accept header none of the three formats satisfies (NOT_ACCEPTABLE) */
      406: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description the query has not completed (QUERY_NOT_COMPLETED), or only a preview of its result was kept (RESULT_NOT_STORED) */
      409: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description PostgreSQL or Redis unavailable, or this API process shutting down (UNAVAILABLE); Retry-After says when to try again */
      503: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
    };
  };
  getHealth: {
    parameters: {
      query?: never;
      header?: {
        /** @description the request's id in pgfan's logs (requestId); one of yours (1–128 letters, digits and ._:-) is kept, otherwise a UUID is made */
        'X-Request-Id'?: components['parameters']['RequestId'];
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description both reachable */
      200: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HealthVerdict'];
        };
      };
      /** @description something is unreachable, or this process is shutting down */
      503: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HealthVerdict'];
        };
      };
    };
  };
  getLiveness: {
    parameters: {
      query?: never;
      header?: {
        /** @description the request's id in pgfan's logs (requestId); one of yours (1–128 letters, digits and ._:-) is kept, otherwise a UUID is made */
        'X-Request-Id'?: components['parameters']['RequestId'];
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description alive */
      200: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @constant */
            status: 'ok';
          };
        };
      };
    };
  };
  getOpenApi: {
    parameters: {
      query?: never;
      header?: {
        /** @description the request's id in pgfan's logs (requestId); one of yours (1–128 letters, digits and ._:-) is kept, otherwise a UUID is made */
        'X-Request-Id'?: components['parameters']['RequestId'];
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OpenAPI 3.1 */
      200: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': Record<string, never>;
        };
      };
      /** @description keys are configured and the request has none that is valid (UNAUTHORIZED); WWW-Authenticate says how */
      401: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
      /** @description PostgreSQL or Redis unavailable, or this API process shutting down (UNAVAILABLE); Retry-After says when to try again */
      503: {
        headers: {
          'X-Request-Id': components['headers']['RequestId'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiError'];
        };
      };
    };
  };
}
