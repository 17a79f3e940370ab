// Safe execution and risk: the Exchange port, its OKX adapter, guard, executor, journal, risk.
export type * from './exchange-port.js';
export * from './errors.js';
export * from './order-guard.js';
export * from './journal.js';
export * from './executor.js';
export * from './safe-exchange.js';
export * from './okx-exchange.js';
export * from './alerts.js';
export * from './audit.js';
export * from './kill-switch.js';
export * from './risk.js';
export * from './dead-mans-switch.js';
