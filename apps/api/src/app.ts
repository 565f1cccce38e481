/** The Express application: routes, body limits, and the one error format. */
import express, { type Express } from 'express';
import type { ApiContext } from './context';
import { healthHandler } from './health';
import { bodyErrors, errorResponse, route } from './http';
import { openApiDocument } from './openapi';
import { cancelQueryHandler, getQueryHandler, listQueriesHandler, submitQuery } from './queries';
import { mountBullBoard, mountDashboard } from './web';

const VERSION = '0.1.0';

export function createApp(ctx: ApiContext, log: (message: string) => void): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use('/api', express.json({ limit: ctx.env.MAX_BODY_BYTES, strict: true }));
  app.post(
    '/api/queries',
    (req, res, next) => {
      if (!req.is('application/json')) {
        const response = errorResponse('UNSUPPORTED_MEDIA_TYPE', 'send the query as JSON with Content-Type: application/json');
        res.status(response.status).json(response.body);
        return;
      }
      next();
    },
    route(submitQuery(ctx), log),
  );
  app.get('/api/queries', route(listQueriesHandler(ctx), log));
  app.get('/api/queries/:id', route(getQueryHandler(ctx), log));
  app.delete('/api/queries/:id', route(cancelQueryHandler(ctx), log));
  app.get('/api/health', route(healthHandler(ctx), log));
  // Liveness: the process answers. A database outage shows in /api/health (readiness) and must
  // not get every API replica restarted.
  app.get('/api/health/live', (_req, res) => void res.json({ status: 'ok' }));
  const openApi = openApiDocument(VERSION);
  app.get('/api/openapi.json', (_req, res) => void res.json(openApi));
  app.use('/api', (req, res) => {
    const response = errorResponse('NOT_FOUND', `no such endpoint: ${req.method} ${req.originalUrl}`);
    res.status(response.status).json(response.body);
  });
  mountBullBoard(app, ctx.queues);
  if (!mountDashboard(app)) log('the dashboard is not built (npm run build); serving the API only');
  app.use(bodyErrors(log));
  return app;
}
