// okxkit public API. Each layer exports its public surface from its own index.
export * from './protocol/index.js';
export * from './util/clock.js';
export * from './util/errors.js';
export * from './trading/index.js';
export * from './sim/index.js';
export * from './client/index.js';
export * from './ws/index.js';
export * from './security/index.js';
export * from './bots/index.js';
export * from './data/index.js';
export * from './backtest/index.js';
