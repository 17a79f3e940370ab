export * from './layout.js';
export * from './intervals.js';
export * from './store.js';
