export * from './layout.js';
export * from './intervals.js';
export * from './store.js';
export * from './download.js';
export * from './check.js';
export * from './scaled-limiter.js';
export * from './recorder.js';
export * from './okx-mirror-feed.js';
