/**
 * @pgfan/dispatch — how work moves between the API and the workers: the BullMQ queues and flows
 * and their job ids, jobs' signatures and failures, query events (completion notices) and what
 * they carry to the API (finished records, fragments' rows), the combine's handoff between the API
 * and the combine job, live progress, cancellation, the workers' heartbeats, and the Redis
 * connections they travel on.
 */
export * from './redis';
export * from './names';
export * from './events';
export * from './carried';
export * from './handoff';
export * from './progress';
export * from './queues';
export * from './cancel';
export * from './workers';
export * from './signing';
export * from './failures';
