/** @pgfan/dispatch — what the API and the workers share at run time. */
export * from './config';
export * from './redis';
export * from './names';
export * from './events';
export * from './progress';
export * from './queues';
export * from './cancel';
export * from './workers';
export * from './services';
export * from './conclude';
export * from './cost-model';
export * from './executions';
export * from './signing';
export * from './failures';
