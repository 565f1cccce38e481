/**
 * The dashboard (apps/web, built) at `/`, and Bull Board at `/admin/queues`, on the API's own
 * origin. In development, Vite's dev server serves the dashboard and proxies here instead.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queues } from '@pgfan/dispatch';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';

/** Where the built dashboard is, relative to this file in `apps/api/dist` (or `src`). */
export const WEB_DIST = join(__dirname, '..', '..', 'web', 'dist');

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board at BULL_BOARD_PATH: with its actions (retry, clean, add, …) for requests `mayAct`
 * says yes to, read-only for the rest, where those actions answer 405. Even an action taken
 * cannot make a worker run SQL: a job added or edited there carries no valid signature.
 */
export function mountBullBoard(app: Express, queues: Queues, mayAct: (req: Request, res: Response) => boolean): void {
  const board = (readOnlyMode: boolean) => {
    const adapter = new ExpressAdapter();
    adapter.setBasePath(BULL_BOARD_PATH);
    createBullBoard({
      queues: [queues.coordinate, queues.fragments, queues.combine].map((q) => new BullMQAdapter(q, { readOnlyMode })),
      serverAdapter: adapter,
      options: { uiConfig: { boardTitle: readOnlyMode ? 'pgfan queues (read-only)' : 'pgfan queues' } },
    });
    return adapter.getRouter() as RequestHandler;
  };
  const acting = board(false);
  const readOnly = board(true);
  app.use(BULL_BOARD_PATH, (req, res, next) => (mayAct(req, res) ? acting : readOnly)(req, res, next));
}

/** Serves the built dashboard, with every non-API path falling back to its index.html. */
export function mountDashboard(app: Express, dist = WEB_DIST): boolean {
  if (!existsSync(join(dist, 'index.html'))) return false;
  app.use(
    express.static(dist, {
      index: 'index.html',
      maxAge: '1h',
      setHeaders: (res, path) => path.endsWith('index.html') && res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
  app.get(/^\/(?!api\/|admin\/|socket\.io\/).*/, (_req, res) => res.sendFile(join(dist, 'index.html')));
  return true;
}
