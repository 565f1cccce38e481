/**
 * @pgfan/runtime — what a running pgfan process (API or worker) is made of beyond the queues: its
 * settings (config), its start-up (services: connections, migrations, the query role's audit), how
 * a query ends (conclude: outcomes, running one as written; combined: a fan-out's combine and its
 * record, from the combine job or the API; executions), the database servers
 * queries run on and where each query runs (servers, placement), and the cost model's state
 * (read, observe, measure).
 */
export * from './config';
export * from './services';
export * from './conclude';
export * from './combined';
export * from './executions';
export * from './cost-model';
export * from './placement';
export * from './servers';
export * from './cut-guard';
export * from './metrics';
export * from './logger';
export * from './generation';
