// The REST client layer: OkxClient, its endpoint groups, errors, credentials and the pieces it is built from.
export { OkxClient, encodeQuery, type OkxClientOptions } from './okx-client.js';
export type { CallSpec, DataKind, Query, RestCaller } from './caller.js';
export { buildApi, type GeneratedApi, type ApiRequest, type ApiRow, type ApiCallOptions } from './api.js';
export { paginate, type PageOptions } from './paginate.js';
export { Credentials, CredentialsError, credentialsFromEnv, readEnvValue, type Env } from './credentials.js';
export {
  readDotEnv,
  envWithDotEnv,
  clientOptionsFromEnv,
  clientFromEnv,
  hasCredentialsInEnv,
} from './env.js';
export {
  OkxApiError,
  OkxAuthError,
  OkxPermissionError,
  OkxRateLimitError,
  OkxBusyError,
  OkxRequestError,
  OkxOrderError,
  OkxBalanceError,
  OkxEndpointNotFoundError,
  OkxNotFoundError,
  OkxBatchError,
  OkxNetworkError,
  OkxTimeoutError,
  OkxSchemaError,
  OkxReadOnlyError,
  OkxCredentialsRequiredError,
  OkxWithdrawNotAllowedError,
  apiErrorFor,
  type ItemOutcome,
  type OkxApiErrorInit,
} from './errors.js';
export {
  RateLimiter,
  type RateLimiterOptions,
  type RatePressureEvent,
  type RequestLimiter,
} from './rate-limiter.js';
export { backoffDelay, seededRandom, DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export { ClockSync, describeDrift } from './clock-sync.js';
export { Transport, type TransportOptions, type TransportResponse } from './transport.js';
export { PublicApi, type InstType, type InstrumentsParams } from './groups/public.js';
export {
  MarketApi,
  BARS,
  barMs,
  type Bar,
  type Candle,
  type CandlesParams,
  type CandlesBetweenParams,
} from './groups/market.js';
export { AccountApi, type PositionsParams, type AccountBillsParams } from './groups/account.js';
export { AssetApi, type AssetBillsParams } from './groups/asset.js';
export {
  TradeApi,
  type PlaceOrderRequest,
  type OrderRef as OkxOrderRef,
  type AmendOrderRequest,
  type WriteOptions,
  type OrdersPendingParams,
  type OrdersHistoryParams,
  type FillsParams,
} from './groups/trade.js';
// Response types, prefixed: the Exchange port owns the plain names (Instrument, Order, Fill, Ticker).
export type { Instrument as OkxInstrument, ServerTime as OkxServerTime } from '../protocol/schemas/public.js';
export type {
  Ticker as OkxTicker,
  BookSnapshot as OkxBookSnapshot,
  Trade as OkxTrade,
} from '../protocol/schemas/market.js';
export type {
  AccountBalance as OkxAccountBalance,
  BalanceDetail as OkxBalanceDetail,
  Position as OkxPosition,
  AccountBill as OkxAccountBill,
  AccountConfig as OkxAccountConfig,
} from '../protocol/schemas/account.js';
export type {
  AssetBalance as OkxAssetBalance,
  AssetBill as OkxAssetBill,
} from '../protocol/schemas/asset.js';
export type {
  PlaceResult as OkxPlaceResult,
  CancelResult as OkxCancelResult,
  AmendResult as OkxAmendResult,
  Order as OkxOrder,
  Fill as OkxFill,
  CancelAllAfterResult as OkxCancelAllAfterResult,
} from '../protocol/schemas/trade.js';
export * as okxSchemas from '../protocol/schemas/index.js';
