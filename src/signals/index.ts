// External signals (webhooks) turned into guarded, exactly-once orders (docs/SIGNALS.md).
export * from './schema.js';
export * from './config.js';
export * from './auth.js';
export * from './store.js';
export * from './engine.js';
export * from './server.js';
export * from './metrics.js';
