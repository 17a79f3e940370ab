/**
 * okxkit's public API: what a program built on okxkit may import from 'okxkit'. Everything else
 * in `src/` is internal and may change without notice. The surface is recorded in
 * `etc/okxkit.api.md` (API Extractor); `npm run api:check` (part of `npm run lint`) fails when it
 * changes without that report being updated (`npm run api:update`), so every change to it shows
 * in review.
 *
 * @packageDocumentation
 */

// --- time and errors (util) -----------------------------------------------------------------
export {
  ManualClock,
  TestClock,
  sleepOn,
  systemClock,
  timersOf,
  type Clock,
  type Sleep,
  type TimerHandle,
  type TimerOptions,
  type Timers,
} from './util/clock.js';
export { OkxkitError, ValidationError } from './util/errors.js';

// --- OKX protocol facts, no I/O (protocol) --------------------------------------------------
export {
  isoTimestamp,
  signRequest,
  signWsLogin,
  wsLoginTimestamp,
  type SignRequestInput,
} from './protocol/sign.js';
export { bookChecksum, type BookLevel } from './protocol/book-checksum.js';
export { errorInfo, type ErrorClass, type ErrorCodeInfo } from './protocol/error-codes.js';
export { CL_ORD_ID_PATTERN, isValidClOrdId, newClOrdId } from './protocol/cl-ord-id.js';
export { hostsFor, type HostSet, type Site } from './protocol/hosts.js';
// Response types, prefixed: the Exchange port owns the plain names (Instrument, Order, Fill, Ticker).
export type { Instrument as OkxInstrument, ServerTime as OkxServerTime } from './protocol/schemas/public.js';
export type {
  BookSnapshot as OkxBookSnapshot,
  Ticker as OkxTicker,
  Trade as OkxTrade,
} from './protocol/schemas/market.js';
export type {
  AccountBalance as OkxAccountBalance,
  AccountBill as OkxAccountBill,
  AccountConfig as OkxAccountConfig,
  BalanceDetail as OkxBalanceDetail,
  Position as OkxPosition,
} from './protocol/schemas/account.js';
export type { AssetBalance as OkxAssetBalance, AssetBill as OkxAssetBill } from './protocol/schemas/asset.js';
export type {
  AmendResult as OkxAmendResult,
  CancelAllAfterResult as OkxCancelAllAfterResult,
  CancelResult as OkxCancelResult,
  Fill as OkxFill,
  Order as OkxOrder,
  PlaceResult as OkxPlaceResult,
} from './protocol/schemas/trade.js';

// --- the REST client (client) ---------------------------------------------------------------
export { OkxClient, type OkxClientOptions, type RequestEvent } from './client/okx-client.js';
export { Credentials, CredentialsError, credentialsFromEnv } from './client/credentials.js';
export { clientFromEnv } from './client/env.js';
export {
  OkxApiError,
  OkxAuthError,
  OkxBalanceError,
  OkxBatchError,
  OkxBusyError,
  OkxCredentialsRequiredError,
  OkxNetworkError,
  OkxEndpointNotFoundError,
  OkxNotFoundError,
  OkxOrderError,
  OkxPermissionError,
  OkxRateLimitError,
  OkxReadOnlyError,
  OkxRequestError,
  OkxSchemaError,
  OkxTimeoutError,
  type ItemOutcome,
} from './client/errors.js';
export type { RetryPolicy } from './client/retry.js';
export type { RatePressureEvent, RequestLimiter } from './client/rate-limiter.js';
export { PublicApi, type InstrumentsParams, type InstType } from './client/groups/public.js';
export {
  MarketApi,
  type Bar,
  type Candle,
  type CandlesBetweenParams,
  type CandlesParams,
} from './client/groups/market.js';
export { AccountApi, type AccountBillsParams, type PositionsParams } from './client/groups/account.js';
export { AssetApi, type AssetBillsParams } from './client/groups/asset.js';
export {
  TradeApi,
  type AmendOrderRequest,
  type FillsParams,
  type OrderRef as OkxOrderRef,
  type OrdersHistoryParams,
  type OrdersPendingParams,
  type PlaceOrderRequest,
  type WriteOptions,
} from './client/groups/trade.js';

// --- the WebSocket client (ws) --------------------------------------------------------------
export {
  OkxWsClient,
  type OkxWsClientEvents,
  type OkxWsClientOptions,
  type WsSubscription,
  type RawPushHandler,
  type WsUrls,
} from './ws/client.js';
export type { CandleBar, ChannelArg, WsEndpoint } from './ws/channels.js';
export type { WsPush } from './ws/envelope.js';
export { WsStream } from './ws/stream.js';
export { LiveOrderBook, type LiveOrderBookEvents, type LiveOrderBookOptions } from './ws/live-book.js';
export {
  OrderBook,
  type BookSnapshot,
  type OrderBookEvents,
  type OrderBookOptions,
} from './ws/order-book.js';
export type {
  WsAccount,
  WsBalanceAndPosition,
  WsBookTop,
  WsCandle,
  WsInstrument,
  WsOrder,
  WsPosition,
  WsTicker,
  WsTrade,
} from './ws/messages.js';
export {
  WsTrading,
  type WsAmendRequest,
  type WsCancelRequest,
  type WsOpOptions,
  type InstrumentCodes,
  type WsOrderRequest,
  type WsOrderResult,
} from './ws/order-ops.js';
export {
  OkxWsClosedError,
  OkxWsError,
  OkxWsLoginError,
  OkxWsMessageError,
  OkxWsRateLimitError,
  OkxWsSubscribeError,
  OkxWsSubscribeTimeoutError,
} from './ws/errors.js';

// --- the local exchange (sim) ---------------------------------------------------------------
export { startSimulator, type Simulator, type SimulatorOptions } from './sim/simulator.js';
export { loadSimConfig, parseSimConfig, type SimConfig } from './sim/config.js';
export type { SimKey, WsUpgradeNotice } from './sim/contracts.js';
export type { FaultSettings } from './sim/faults.js';

// --- keys, vault, audit trail, scanner (security) -------------------------------------------
export {
  ProfileExistsError,
  ProfileNotFoundError,
  Vault,
  VaultCorruptError,
  VaultError,
  VaultNotFoundError,
  VaultPassphraseError,
  type KeyPermission,
  type ProfileInfo,
  type ProfileMeta,
  type VaultOptions,
} from './security/vault.js';
export {
  resolveCredentials,
  type ResolveCredentialsOptions,
  type ResolvedCredentials,
} from './security/resolve.js';
export { clientForProfile, openClient } from './security/client-factory.js';
export {
  UnsafeKeyError,
  assertKeySafeToTrade,
  auditKey,
  checkKeyBeforeTrading,
  formatAuditReport,
  type AuditOptions,
  type AuditReport,
  type CheckResult,
  type SafeToTradeOptions,
  type CheckId,
  type CheckStatus,
} from './security/doctor.js';
export {
  AuditLog,
  AuditLogError,
  verifyAuditLog,
  verifyAuditLogFile,
  type AuditEntry as AuditLogEntry,
  type AuditLogOptions,
  type AuditRecord,
  type AuditVerifyResult,
  type AuditProblem,
} from './security/audit-log.js';
export {
  WithdrawalWatch,
  WithdrawalWatchError,
  type FundingBill,
  type WithdrawalAlert,
  type WithdrawalWatchOptions,
} from './security/withdrawal-watch.js';
export {
  ScanError,
  installPreCommitHook,
  scanHistory,
  scanStaged,
  scanWorkingTree,
  type Finding,
  type ScanOptions,
  type ScanReport,
} from './security/scanner.js';

// --- safe execution (trading) ---------------------------------------------------------------
export type {
  AmendRequest,
  Balance,
  ExchangePort,
  Fill,
  Instrument,
  Order,
  OrderIntent,
  OrderRef,
  OrderState,
  OrdType,
  Side,
  Ticker,
  Unsubscribe,
} from './trading/exchange-port.js';
export {
  AckedButUnreadError,
  OkxExchange,
  OkxPayloadError,
  type OkxExchangeOptions,
  type OrderStreamState,
} from './trading/okx-exchange.js';
export { SafeExchange } from './trading/safe-exchange.js';
export { OrderGuard, type GuardLimits } from './trading/order-guard.js';
export { Executor, type ExecutorOptions, type ReconcileReport } from './trading/executor.js';
export { OrderJournal, type JournalRow, type JournalStatus } from './trading/journal.js';
export {
  RiskManager,
  type BreakerAction,
  type PositionAction,
  type RiskLimits,
  type RiskRule,
  type RiskSnapshot,
  type CancelFailure,
  type RiskTrip,
} from './trading/risk.js';
export { KillStateUnreadableError, KillSwitch, type KillState } from './trading/kill-switch.js';
export { DeadMansSwitch, type DeadMansSwitchOptions } from './trading/dead-mans-switch.js';
export {
  Alerts,
  ConsoleSink,
  WebhookSink,
  type Alert,
  type AlertSink,
  type AlertsOptions,
  type AlertInput,
  type AlertKind,
  type AlertSeverity,
} from './trading/alerts.js';
export {
  ExecutionUnresolvedError,
  GuardRejection,
  PayloadMismatchError,
  type GuardRule,
} from './trading/errors.js';

// --- bots -----------------------------------------------------------------------------------
export {
  BotRunner,
  type BotEvent,
  type BotRunnerOptions,
  type BotStatus,
  type BotSummary,
} from './bots/runner.js';
export { BotStateStore } from './bots/state-store.js';
export {
  BotConfigError,
  parseBotConfig,
  type BotConfig,
  type BollingerConfig,
  type ConfigIssue,
  type DcaConfig,
  type EmaCrossConfig,
  type MomentumConfig,
  type SignalConfig,
  type GridConfig,
  type TrailingConfig,
} from './bots/config.js';
export { runBot, type RunBotOptions } from './bots/run-bot.js';
export { openTradingStack, type TradingStack, type TradingStackOptions } from './bots/session.js';
export { createStrategy } from './bots/strategies/index.js';
export { GridStrategy, type GridState } from './bots/strategies/grid.js';
export { DcaStrategy, type DcaState } from './bots/strategies/dca.js';
export { TrailingStopStrategy, type TrailingState } from './bots/strategies/trailing.js';
export type { BotAction, CancelAction, PlaceAction, Strategy, StrategyContext } from './bots/types.js';

// --- operations: alert channels and rules, log files (ops) ----------------------------------
export {
  alertsFromConfig,
  readAlertsConfigFile,
  parseAlertsConfig,
  alertsConfigSchema,
  AlertsConfigError,
  ChannelAlerts,
  type AlertsConfig,
  type AlertsConfigIssue,
  type AlertsDeps,
  type ChannelConfig,
} from './ops/alerts/config.js';
export {
  AlertRules,
  DEFAULT_RULE_THRESHOLDS,
  type AlertRuleThresholds,
  type BalanceObservation,
  type BillObservation,
  type RiskObservation,
  type WithdrawalObservation,
} from './ops/alerts/rules.js';
export {
  SignedWebhookChannel,
  SlackChannel,
  DiscordChannel,
  TelegramChannel,
  EmailChannel,
  ChannelError,
  signWebhook,
  verifyWebhook,
  alertId,
  alertText,
  SIGNATURE_HEADER as ALERT_SIGNATURE_HEADER,
  TIMESTAMP_HEADER as ALERT_TIMESTAMP_HEADER,
  ALERT_ID_HEADER,
  type AlertChannel,
  type EmailChannelOptions,
} from './ops/alerts/channels.js';
export { ChannelSink, type DeliveryOptions, type DeliveryOutcome } from './ops/alerts/delivery.js';
export { watchStack, observeRiskUse, type WatchTarget } from './ops/alerts/watch.js';
export {
  secretResolver,
  type SecretRef,
  type SecretResolver,
  type SecretResolverOptions,
} from './ops/alerts/secrets.js';
export { startAlertReceiver, type AlertReceiver, type ReceivedAlert } from './ops/alerts/receiver.js';
export { openLogger, logOptionsFrom, parseLogSize, type LogOptions, type OpenLogger } from './ops/logs.js';

// Writing a strategy of one's own: the signal base class and the indicators it reads.
export { SignalStrategy, type Signal, type SignalState } from './bots/strategies/signal.js';
export { atr, bollinger, ema, macd, roc, rsi, sma, vwap } from './bots/indicators.js';

// --- research: the market-data store (data) -------------------------------------------------
export {
  openStore,
  StoreError,
  type BookSnapshots,
  type CandleQuery,
  type Candles,
  type FundingRates,
  type InstQuery,
  type MarketStore,
  type Range,
  type SeriesInfo,
  type Trades,
} from './data/store.js';
export type { Kind as SeriesKind, SeriesKey } from './data/layout.js';
export {
  download,
  DownloadError,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  type SeriesResult,
} from './data/download.js';
export {
  checkStoredSeries,
  exportSeries,
  type CheckReport,
  type ExportFormat,
  type Gap,
} from './data/check.js';
export { record, type RecordOptions, type RecordStats } from './data/recorder.js';

// --- research: the backtester, the optimizer, analysis and reports (backtest) ---------------
// Candles and CandleQuery are renamed: the data layer owns the plain names (the store's columns).
export type {
  Candles as BacktestCandles,
  CandleQuery as BacktestCandleQuery,
  CandleSource,
} from './backtest/candles.js';
export { storeSource } from './backtest/sources.js';
export {
  BacktestExchange,
  BacktestOrderError,
  type BacktestExchangeOptions,
  type BacktestFill,
  type BacktestInstrument,
  type FillMode,
} from './backtest/exchange.js';
export { runBacktest, type BacktestOptions, type BacktestResult } from './backtest/engine.js';
export { backtest, type BacktestReport } from './backtest/run.js';
export {
  computeMetrics,
  type BacktestMetrics,
  type MetricsInput,
  type Performance,
  type RoundTrip,
  type TradeStats,
} from './backtest/metrics.js';
export {
  optimize,
  parseSpace,
  type Fold,
  type Objective,
  type OptimizeOptions,
  type OptimizeResult,
  type ParamSpace,
  type ParamValues,
} from './backtest/optimize.js';
export {
  deflatedSharpe,
  probabilityOfOverfitting,
  type DeflatedSharpe,
  type Pbo,
} from './backtest/overfit.js';
export { analyze, formatAnalysis, type Analysis, type Level } from './backtest/analyze.js';
export { formatBacktest, formatOptimize, formatTrades, tradesCsv } from './backtest/format.js';
export { renderReport, writeReport, type HeatCell, type ReportInput } from './backtest/report.js';

// --- arbitrage (arb): triangular, cross-venue through ccxt, basis and funding ----------------
export {
  ArbBot,
  ArbSession,
  BasisBot,
  BookBoard,
  CcxtExchange,
  CcxtMissingError,
  OpportunityEngine,
  OpportunityLog,
  PaperVenue,
  backtestFromStore,
  createCcxt,
  fetchTakerFees,
  okxFunding,
  openOkxVenue,
  rebalanceReport,
  replayArbitrage,
  type ArbBotOptions,
  type ArbRun,
  type ArbSessionOptions,
  type ArbSummary,
  type BasisBotOptions,
  type BasisPnl,
  type BookView,
  type CcxtLike,
  type CycleSpec,
  type FundingSource,
  type LegResult,
  type OkxVenue,
  type Opportunity,
  type OpportunityEngineOptions,
  type PairSpec,
  type PlannedLeg,
  type RebalanceReport,
  type ReplayOptions,
  type ReplayReport,
  type TakerFees,
  type VenueSpec,
} from './arb/index.js';
// --- signals: webhook alerts as guarded, exactly-once orders (signals) ----------------------
export {
  parseSignal,
  signalSchema,
  SignalSchemaError,
  SIGNAL_ACTIONS,
  SIZE_UNITS,
  // `Signal` is the strategies' buy/sell signal (bots); this is the webhook's message.
  type Signal as IncomingSignal,
  type SignalAction,
  type SizeUnit,
} from './signals/schema.js';
export {
  parseSignalsConfig,
  signalsConfigSchema,
  sourceSchema,
  type SignalsConfig,
  type SourceConfig,
} from './signals/config.js';
export {
  signSignal,
  SIGNATURE_HEADER as SIGNAL_SIGNATURE_HEADER,
  TIMESTAMP_HEADER as SIGNAL_TIMESTAMP_HEADER,
} from './signals/auth.js';
export { SignalStore, type SignalOrder, type SignalRecord, type SignalStatus } from './signals/store.js';
export {
  SignalEngine,
  signalClOrdId,
  type ResolvedSource,
  type SignalEngineOptions,
  type SignalPort,
  type SignalRequest,
  type SignalResponse,
} from './signals/engine.js';
export { startSignalServer, type SignalServer, type SignalServerOptions } from './signals/server.js';
