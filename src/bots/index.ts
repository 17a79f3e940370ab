// Bots: strategies on the Exchange port, their runner, state, status and the demo.
export type * from './types.js';
export * from './config.js';
export * from './cl-ord-id.js';
export * from './strategies/index.js';
export * from './state-store.js';
export * from './runner.js';
export * from './status-view.js';
export * from './session.js';
export * from './run-bot.js';
export * from './indicators.js';
