// The local OKX-compatible exchange.
export { startSimulator, type Simulator, type SimulatorOptions } from './simulator.js';
export {
  parseSimConfig,
  loadSimConfig,
  DEFAULT_KEYS,
  DEFAULT_ACCOUNTS,
  type SimConfig,
  type SimAccountConfig,
  type ResolvedSimConfig,
} from './config.js';
export { FaultInjector, NO_FAULTS, FAULT_KINDS, type FaultSettings, type FaultErrorKind } from './faults.js';
export {
  authenticate,
  normaliseIp,
  ipAllowed,
  TIMESTAMP_WINDOW_MS,
  SIM_ADMIN_HEADER,
  adminRequestRefusal,
  checkWsLogin,
  checkWsOp,
  type AuthOutcome,
} from './auth.js';
export { MatchingEngine, tradeEnvelope, type ItemResult, type TradeEnvelope } from './engine/engine.js';
export type * from './contracts.js';
