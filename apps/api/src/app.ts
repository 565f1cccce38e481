/** The Express application: security headers, authentication, routes, body limits, and the one error format. */
import cors from 'cors';
import { accessLog } from './access-log';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { presentedKey, type ApiKeys } from './auth';
import type { ApiContext } from './context';
import { healthHandler } from './health';
import { bodyErrors, route, sendError } from './http';
import { metricsHandler } from './metrics';
import { openApiDocument } from '@pgfan/contracts';
import { cancelQueryHandler, getQueryHandler, listQueriesHandler, resultHandler, submitQuery } from './queries';
import { VERSION } from './version';
import { BULL_BOARD_PATH, mountBullBoard, mountDashboard } from './web';

/**
 * Who the request comes from, in `res.locals`: `client` (a key's name, or null with
 * authentication off) and `admin` once a key checks out, `refused` (why not) otherwise.
 */
function identify(keys: ApiKeys) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const identity = keys.identify(presentedKey(req.headers.authorization));
    if ('refused' in identity) {
      res.locals.refused = identity.refused;
    } else {
      res.locals.client = identity.client;
      res.locals.admin = identity.admin;
    }
    next();
  };
}

/**
 * Bull Board shows every user's jobs (their SQL, their partial rows): with keys, only an admin key
 * opens it, with its actions; without keys (this machine only) it is read-only.
 */
function bullBoardAccess(keys: ApiKeys) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (!keys.enabled || res.locals.admin === true) return next();
    sendError(res, 'FORBIDDEN', "Bull Board shows every user's jobs: it needs an admin key (ADMIN_KEYS, or npm run keys -- create NAME --admin)");
  };
}

/** 401 without a valid key. Bull Board asks with Basic, so a browser shows its login prompt (any user name, the key as password). */
function requireKey(challenge: 'Bearer' | 'Basic') {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (res.locals.refused === undefined) return next();
    sendError(res, 'UNAUTHORIZED', res.locals.refused as string, { 'WWW-Authenticate': `${challenge} realm="pgfan", charset="UTF-8"` });
  };
}

export function createApp(ctx: ApiContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(accessLog(ctx.logger));
  // Helmet's defaults, but plain-HTTP deployments (a cluster-internal address) keep working.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  if (ctx.env.CORS_ORIGINS.length > 0) {
    app.use(
      '/api',
      cors({
        origin: ctx.env.CORS_ORIGINS,
        allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
        exposedHeaders: ['Location', 'Retry-After', 'X-Request-Id'],
        maxAge: 600,
      }),
    );
  }
  // Shutting down: what arrives on a connection still open is refused, readiness included, so
  // load balancers stop sending here while the requests in flight finish (main.ts).
  app.use((_req, res, next) => {
    if (!ctx.lifecycle?.stopping) return next();
    res.set('Connection', 'close');
    sendError(res, 'UNAVAILABLE', 'this API process is shutting down; try again (another replica answers)');
  });
  app.use(identify(ctx.keys));

  // Probes carry no key: liveness says only that the process answers; readiness, without a
  // key, only its status. A database outage shows in readiness and must not get every API
  // replica restarted.
  app.get('/api/health/live', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/api/health', route(healthHandler(ctx)));

  app.use('/api', requireKey('Bearer'));
  // Prometheus' scrape: with keys configured it sends one too (authorization: { credentials }).
  app.get('/metrics', requireKey('Bearer'), metricsHandler(ctx));
  app.use(BULL_BOARD_PATH, requireKey('Basic'), bullBoardAccess(ctx.keys));
  app.use('/api', express.json({ limit: ctx.env.MAX_BODY_BYTES, strict: true }));
  app.post(
    '/api/queries',
    (req, res, next) => {
      if (!req.is('application/json')) return sendError(res, 'UNSUPPORTED_MEDIA_TYPE', 'send the query as JSON with Content-Type: application/json');
      next();
    },
    route(submitQuery(ctx)),
  );
  app.get('/api/queries', route(listQueriesHandler(ctx)));
  app.get('/api/queries/:id', route(getQueryHandler(ctx)));
  app.get('/api/queries/:id/result', route(resultHandler(ctx)));
  app.delete('/api/queries/:id', route(cancelQueryHandler(ctx)));
  const openApi = openApiDocument(VERSION);
  app.get('/api/openapi.json', (_req, res) => void res.json(openApi));
  app.use('/api', (req, res) => sendError(res, 'NOT_FOUND', `no such endpoint: ${req.method} ${req.originalUrl}`));
  mountBullBoard(app, ctx.queues, (_req, res) => res.locals.admin === true);
  if (!mountDashboard(app)) ctx.logger.warn('the dashboard is not built (npm run build); serving the API only');
  app.use(bodyErrors);
  return app;
}
