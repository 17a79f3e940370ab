export { BookBoard } from './books.js';
export { OpportunityEngine, type OpportunityEngineOptions, type BookLookup } from './engine.js';
export { ArbBot, type ArbBotOptions, type ArbRun, type LegResult, type RunStatus } from './execute.js';
export {
  BasisBot,
  okxFunding,
  type BasisBotOptions,
  type BasisEdge,
  type BasisExitReason,
  type BasisPnl,
  type BasisPort,
  type BasisState,
  type FundingSource,
  type SettledFunding,
} from './basis.js';
export {
  basisBacktestFromStore,
  paperFunding,
  replayBasis,
  type BasisBotSettings,
  type BasisReplayOptions,
  type BasisReplayReport,
} from './basis-replay.js';
export { BasisSession, type BasisSessionOptions, type BasisSummary } from './basis-session.js';
export { ConsumedDepth, type BookSource, type WatchableBooks } from './depth.js';
export {
  CcxtExchange,
  CcxtMissingError,
  createCcxt,
  loadCcxt,
  type CcxtLike,
  type CcxtMarket,
  type CcxtOrder,
  type CcxtTrade,
  type CcxtVenueOptions,
} from './ccxt-exchange.js';
export { fetchTakerFees, type TakerFees } from './fees.js';
export { PaperVenue, type PaperInstrument, type PaperVenueOptions } from './paper.js';
export { rebalanceReport, type RebalanceReport, type RebalanceRow, type Transfer } from './rebalance.js';
export { OpportunityLog } from './record.js';
export {
  BookTape,
  backtestFromStore,
  instrumentsFor,
  loadRecordedBooks,
  replayArbitrage,
  type ReplayOptions,
  type ReplayReport,
} from './replay.js';
export { ArbSession, type ArbSessionOptions, type ArbSummary, type VenueSpec } from './session.js';
export { openOkxVenue, portsOf, type OkxVenue, type OpenVenueOptions } from './venue.js';
export { spotId } from './spot-id.js';
export type { BookStamp, BookView, CycleSpec, Opportunity, PairSpec, PlannedLeg } from './types.js';
