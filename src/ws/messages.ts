/**
 * Typed payloads of the channels okxkit streams, with cheap structural checks: these run on
 * every push, so they test only the fields a consumer relies on. Values stay the strings OKX
 * sends. A payload that fails a check is dropped and reported as an OkxWsMessageError event.
 */

/** tickers push item, e.g. {"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","lastSz":"0.1",...,"ts":"1597026383085"} */
export interface WsTicker {
  instType: string;
  instId: string;
  last: string;
  lastSz: string;
  askPx: string;
  askSz: string;
  bidPx: string;
  bidSz: string;
  open24h: string;
  high24h: string;
  low24h: string;
  volCcy24h: string;
  vol24h: string;
  sodUtc0: string;
  sodUtc8: string;
  ts: string;
}

/** trades push item, e.g. {"instId":"BTC-USDT","tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897","count":"3"} */
export interface WsTrade {
  instId: string;
  tradeId: string;
  px: string;
  sz: string;
  side: 'buy' | 'sell';
  ts: string;
  count?: string;
}

/** A candle, from the push row [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]. */
export interface WsCandle {
  instId: string;
  bar: string;
  ts: string;
  o: string;
  h: string;
  l: string;
  c: string;
  vol: string;
  volCcy: string;
  volCcyQuote: string;
  /** "0" in progress, "1" closed */
  confirm: string;
}

/** orders push item (private): the order object of GET /trade/order plus fill fields. */
export interface WsOrder {
  instType: string;
  instId: string;
  ordId: string;
  clOrdId: string;
  state: string;
  side: string;
  ordType: string;
  px: string;
  sz: string;
  accFillSz: string;
  fillSz: string;
  fillPx: string;
  avgPx: string;
  uTime: string;
  cTime: string;
  [field: string]: unknown;
}

/** account push item: {uTime, totalEq, details:[{ccy, eq, cashBal, availBal, ...}], ...} */
export interface WsAccount {
  uTime: string;
  totalEq: string;
  details: Array<{ ccy: string; eq: string; cashBal: string; availBal: string; [field: string]: unknown }>;
  [field: string]: unknown;
}

/** positions push item. */
export interface WsPosition {
  instType: string;
  instId: string;
  posId: string;
  pos: string;
  [field: string]: unknown;
}

/**
 * balance_and_position push item (private), e.g. {"pTime":"1597026383085","eventType":"filled",
 * "balData":[{"ccy":"BTC","cashBal":"1","uTime":"1597026383085"}],"posData":[],
 * "trades":[{"instId":"BTC-USDT","tradeId":"2"}]}. eventType is `snapshot` on subscribe, then the
 * cause (filled, transferred, delivered, funding_fee...). OKX may leave out balData or posData
 * when only the other changed: the check fills them in as [].
 */
export interface WsBalanceAndPosition {
  pTime: string;
  eventType: string;
  balData: Array<{ ccy: string; cashBal: string; uTime: string; [field: string]: unknown }>;
  posData: Array<{
    posId: string;
    instId: string;
    instType: string;
    pos: string;
    [field: string]: unknown;
  }>;
  trades: Array<{ instId: string; tradeId: string }>;
}

/**
 * instruments push item: the object of GET /public/instruments, e.g. {"instType":"SPOT",
 * "instId":"BTC-USDT","baseCcy":"BTC","quoteCcy":"USDT","tickSz":"0.1","lotSz":"0.00000001",
 * "minSz":"0.00001","state":"live","instIdCode":10001,...}; instIdCode is an integer.
 */
export interface WsInstrument {
  instType: string;
  instId: string;
  baseCcy: string;
  quoteCcy: string;
  tickSz: string;
  lotSz: string;
  minSz: string;
  state: string;
  instIdCode?: number;
  [field: string]: unknown;
}

/** books5 / bbo-tbt push item: a full snapshot of the top levels. */
export interface WsBookTop {
  instId: string;
  asks: Array<[string, string, string, string]>;
  bids: Array<[string, string, string, string]>;
  ts: string;
  seqId?: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns the first listed field that is not a string, or undefined when all are. */
function missingString(o: Record<string, unknown>, fields: readonly string[]): string | undefined {
  for (const f of fields) if (typeof o[f] !== 'string') return f;
  return undefined;
}

export type Check<T> = (item: unknown, arg: { channel: string; instId?: string }) => T | string;

function stringsCheck<T>(fields: readonly string[]): Check<T> {
  return (item) => {
    if (!isRecord(item)) return 'item is not an object';
    const bad = missingString(item, fields);
    return bad ? `field ${bad} is not a string` : (item as T);
  };
}

export const checkTicker = stringsCheck<WsTicker>(['instId', 'last', 'ts']);
export const checkTrade: Check<WsTrade> = (item) => {
  if (!isRecord(item)) return 'item is not an object';
  const bad = missingString(item, ['instId', 'tradeId', 'px', 'sz', 'side', 'ts']);
  if (bad) return `field ${bad} is not a string`;
  if (item.side !== 'buy' && item.side !== 'sell') return 'side is neither buy nor sell';
  return item as unknown as WsTrade;
};
export const checkOrder = stringsCheck<WsOrder>(['instId', 'ordId', 'state']);
export const checkPosition = stringsCheck<WsPosition>(['instId', 'posId']);
export const checkAccount: Check<WsAccount> = (item) => {
  if (!isRecord(item)) return 'item is not an object';
  if (!Array.isArray(item.details)) return 'details is not an array';
  return item as unknown as WsAccount;
};

export const checkCandle: Check<WsCandle> = (item, arg) => {
  if (!Array.isArray(item) || item.length < 9) return 'candle is not an array of 9 fields';
  for (let i = 0; i < 9; i++) if (typeof item[i] !== 'string') return `candle field ${i} is not a string`;
  const r = item as string[];
  return {
    instId: arg.instId ?? '',
    bar: arg.channel.slice('candle'.length),
    ts: r[0]!,
    o: r[1]!,
    h: r[2]!,
    l: r[3]!,
    c: r[4]!,
    vol: r[5]!,
    volCcy: r[6]!,
    volCcyQuote: r[7]!,
    confirm: r[8]!,
  };
};

export const checkBookTop: Check<WsBookTop> = (item, arg) => {
  if (!isRecord(item)) return 'item is not an object';
  if (!Array.isArray(item.asks) || !Array.isArray(item.bids)) return 'asks/bids are not arrays';
  return {
    ...(item as unknown as WsBookTop),
    instId: (item.instId as string | undefined) ?? arg.instId ?? '',
  };
};

/** Checks an array of objects whose listed fields are strings; a missing array reads as []. */
function listOf(
  v: unknown,
  name: string,
  fields: readonly string[],
): { ok: Array<Record<string, unknown>> } | string {
  if (v === undefined) return { ok: [] };
  if (!Array.isArray(v)) return `${name} is not an array`;
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (!isRecord(e)) return `${name}[${i}] is not an object`;
    const bad = missingString(e, fields);
    if (bad) return `${name}[${i}].${bad} is not a string`;
  }
  return { ok: v as Array<Record<string, unknown>> };
}

export const checkBalanceAndPosition: Check<WsBalanceAndPosition> = (item) => {
  if (!isRecord(item)) return 'item is not an object';
  const bad = missingString(item, ['pTime', 'eventType']);
  if (bad) return `field ${bad} is not a string`;
  const bal = listOf(item.balData, 'balData', ['ccy', 'cashBal', 'uTime']);
  if (typeof bal === 'string') return bal;
  const pos = listOf(item.posData, 'posData', ['posId', 'instId', 'instType', 'pos']);
  if (typeof pos === 'string') return pos;
  const trades = listOf(item.trades, 'trades', ['instId', 'tradeId']);
  if (typeof trades === 'string') return trades;
  return {
    ...(item as unknown as WsBalanceAndPosition),
    balData: bal.ok as WsBalanceAndPosition['balData'],
    posData: pos.ok as WsBalanceAndPosition['posData'],
    trades: trades.ok as WsBalanceAndPosition['trades'],
  };
};

export const checkInstrument: Check<WsInstrument> = (item) => {
  if (!isRecord(item)) return 'item is not an object';
  const bad = missingString(item, ['instType', 'instId', 'tickSz', 'lotSz', 'minSz', 'state']);
  if (bad) return `field ${bad} is not a string`;
  if (item.instIdCode !== undefined && !Number.isInteger(item.instIdCode))
    return 'instIdCode is not an integer';
  return item as unknown as WsInstrument;
};

/**
 * orders-algo push item (business, login): an algo order (conditional, oco, trigger) as
 * GET /trade/orders-algo-pending shows it, e.g. {"instType":"SWAP","instId":"BTC-USDT-SWAP",
 * "algoId":"581878926302093312","ordType":"conditional","state":"live","side":"buy",
 * "slTriggerPx":"31000","sz":"1","cTime":"1685000000000","uTime":"1685000000000",...}.
 */
export interface WsAlgoOrder {
  instType: string;
  instId: string;
  algoId: string;
  ordType: string;
  state: string;
  [field: string]: unknown;
}

/** algo-advance push item (business, login): iceberg, twap and trailing (move_order_stop) orders. */
export type WsAlgoAdvance = WsAlgoOrder;

/**
 * liquidation-warning push item (private): a position whose margin ratio nears liquidation,
 * the same fields as a positions push (instId, posId, mgnRatio, liqPx, markPx...).
 */
export interface WsLiquidationWarning {
  instType: string;
  instId: string;
  posId: string;
  mgnMode?: string;
  posSide?: string;
  pos?: string;
  mgnRatio?: string;
  liqPx?: string;
  markPx?: string;
  [field: string]: unknown;
}

/** account-greeks push item (private): {ccy, deltaBS, deltaPA, gammaBS, gammaPA, thetaBS, thetaPA, vegaBS, vegaPA, ts}. */
export interface WsAccountGreeks {
  ccy: string;
  ts: string;
  [field: string]: unknown;
}

/** mark-price push item: {"instType":"SWAP","instId":"BTC-USDT-SWAP","markPx":"42310.6","ts":"1630049139746"}. */
export interface WsMarkPrice {
  instType: string;
  instId: string;
  markPx: string;
  ts: string;
}

/** index-tickers push item: {"instId":"BTC-USDT","idxPx":"0.1","high24h":...,"open24h":...,"sodUtc0":...,"ts":...}. */
export interface WsIndexTicker {
  instId: string;
  idxPx: string;
  ts: string;
  [field: string]: unknown;
}

/**
 * funding-rate push item: {"instType":"SWAP","instId":"BTC-USD-SWAP","fundingRate":"0.0001875",
 * "fundingTime":"1700726400000","nextFundingTime":"1700755200000","method":"current_period",...}.
 */
export interface WsFundingRate {
  instType: string;
  instId: string;
  fundingRate: string;
  fundingTime: string;
  nextFundingTime?: string;
  [field: string]: unknown;
}

/** open-interest push item: {"instType":"SWAP","instId":"BTC-USDT-SWAP","oi":"2216113","oiCcy":"22161.13","oiUsd":"...","ts":"..."}. */
export interface WsOpenInterest {
  instType: string;
  instId: string;
  oi: string;
  oiCcy: string;
  ts: string;
  [field: string]: unknown;
}

/** price-limit push item: {"instId":"BTC-USDT-SWAP","buyLmt":"200","sellLmt":"300","ts":"...","enabled":true}. */
export interface WsPriceLimit {
  instId: string;
  buyLmt: string;
  sellLmt: string;
  ts: string;
  enabled?: boolean;
  [field: string]: unknown;
}

/** estimated-price push item (futures / options before delivery): {instType, instId, settlePx, settleType, ts}. */
export interface WsEstimatedPrice {
  instType: string;
  instId: string;
  settlePx: string;
  ts: string;
  [field: string]: unknown;
}

/** A mark-price (or index) candle, from the push row [ts, o, h, l, c, confirm]. */
export interface WsPriceCandle {
  instId: string;
  bar: string;
  ts: string;
  o: string;
  h: string;
  l: string;
  c: string;
  confirm: string;
}

export const checkAlgoOrder = stringsCheck<WsAlgoOrder>(['instId', 'algoId', 'ordType', 'state']);
export const checkLiquidationWarning = stringsCheck<WsLiquidationWarning>(['instId', 'posId']);
export const checkAccountGreeks = stringsCheck<WsAccountGreeks>(['ccy', 'ts']);
export const checkMarkPrice = stringsCheck<WsMarkPrice>(['instId', 'markPx', 'ts']);
export const checkIndexTicker = stringsCheck<WsIndexTicker>(['instId', 'idxPx', 'ts']);
export const checkFundingRate = stringsCheck<WsFundingRate>(['instId', 'fundingRate', 'fundingTime']);
export const checkOpenInterest = stringsCheck<WsOpenInterest>(['instId', 'oi', 'ts']);
export const checkPriceLimit = stringsCheck<WsPriceLimit>(['instId', 'buyLmt', 'sellLmt', 'ts']);
export const checkEstimatedPrice = stringsCheck<WsEstimatedPrice>(['instId', 'settlePx', 'ts']);

/** mark-price-candle<bar> and index-candle<bar> rows: six strings. */
export const checkPriceCandle: Check<WsPriceCandle> = (item, arg) => {
  if (!Array.isArray(item) || item.length < 6) return 'candle is not an array of 6 fields';
  for (let i = 0; i < 6; i++) if (typeof item[i] !== 'string') return `candle field ${i} is not a string`;
  const r = item as string[];
  const bar = arg.channel.replace(/^(mark-price-candle|index-candle)/, '');
  return { instId: arg.instId ?? '', bar, ts: r[0]!, o: r[1]!, h: r[2]!, l: r[3]!, c: r[4]!, confirm: r[5]! };
};
