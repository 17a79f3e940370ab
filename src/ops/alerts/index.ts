export * from './channels.js';
export * from './delivery.js';
export * from './rules.js';
export * from './secrets.js';
export * from './config.js';
export * from './receiver.js';
export * from './watch.js';
