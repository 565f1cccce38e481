export * from './record';
export * from './query';
export * from './jobs';
export * from './events';
export * from './scaling';
export * from './openapi';
