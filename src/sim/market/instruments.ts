import type { SimContractSpec, SimInstrument, SimInstType } from '../contracts.js';

/** How the market draws one instrument: its rules, starting price and character. */
export interface MarketInstrumentConfig {
  instId: string;
  tickSz: string;
  lotSz: string;
  minSz: string;
  /** Starting price (quote currency). Ignored for a cross pair whose two legs are both quoted in USDT: it follows them. */
  price: string;
  instIdCode?: number;
  /** ms */
  listTime?: number;
  maxLmtSz?: string;
  maxMktSz?: string;
  /** Typical standard deviation of the live price over 60 s, as a fraction (0.006 = 0.6 %). */
  vol60s?: number;
  /** Mean gap between resting levels, in ticks (sparser books for small ticks on big prices). */
  levelGapTicks?: number;
  /** Public trade and resting level sizes are drawn log-uniform in [min, max] base units. */
  tradeSize?: [number, number];
  /** Start at exactly `price` (default false: each seed starts within about 1 % of it). */
  exactPrice?: boolean;
  /** A cross pair: held this many basis points off the price its legs imply (a planted mispricing). */
  crossOffsetBps?: number;
  /** SPOT (default), SWAP or FUTURES. */
  instType?: Exclude<SimInstType, 'OPTION'>;
  /** A SWAP or FUTURES contract: its price follows `contract.indexInstId` with a small basis. */
  contract?: SimContractSpec;
}

/**
 * Spot instruments with the rules OKX lists for them (tick, lot, min size); prices near their
 * 2024-2026 levels. ETH-BTC follows ETH-USDT / BTC-USDT with a small basis, so a triangular
 * arbitrage monitor sees gaps of a few basis points, smaller than three taker fees.
 */
export const DEFAULT_MARKET_INSTRUMENTS: readonly MarketInstrumentConfig[] = [
  {
    instId: 'BTC-USDT',
    tickSz: '0.1',
    lotSz: '0.00000001',
    minSz: '0.00001',
    price: '60000',
    instIdCode: 10001,
    maxLmtSz: '9999999999',
    maxMktSz: '1000000',
    vol60s: 0.006,
    levelGapTicks: 30,
    tradeSize: [0.0001, 0.6],
  },
  {
    instId: 'ETH-USDT',
    tickSz: '0.01',
    lotSz: '0.000001',
    minSz: '0.0001',
    price: '3000',
    instIdCode: 10002,
    maxLmtSz: '9999999999',
    maxMktSz: '1000000',
    vol60s: 0.007,
    levelGapTicks: 20,
    tradeSize: [0.002, 10],
  },
  {
    instId: 'SOL-USDT',
    tickSz: '0.01',
    lotSz: '0.000001',
    minSz: '0.001',
    price: '150',
    instIdCode: 10003,
    maxLmtSz: '9999999999',
    maxMktSz: '1000000',
    vol60s: 0.009,
    levelGapTicks: 3,
    tradeSize: [0.01, 150],
  },
  {
    instId: 'OKB-USDT',
    tickSz: '0.001',
    lotSz: '0.0001',
    minSz: '0.01',
    price: '50',
    instIdCode: 10004,
    maxLmtSz: '9999999999',
    maxMktSz: '1000000',
    vol60s: 0.006,
    levelGapTicks: 5,
    tradeSize: [0.05, 300],
  },
  {
    instId: 'ETH-BTC',
    tickSz: '0.00001',
    lotSz: '0.000001',
    minSz: '0.001',
    price: '0.05',
    instIdCode: 10005,
    maxLmtSz: '9999999999',
    maxMktSz: '1000000',
    levelGapTicks: 1,
    tradeSize: [0.002, 6],
  },
];

/** The history reaches this far back before the market starts; instruments list that long ago. */
export const HISTORY_DAYS = 400;

export function toSimInstrument(cfg: MarketInstrumentConfig, index: number, listTime: number): SimInstrument {
  const [baseCcy = '', quoteCcy = ''] = cfg.instId.split('-');
  const out: SimInstrument = {
    instType: cfg.instType ?? 'SPOT',
    instId: cfg.instId,
    instIdCode: cfg.instIdCode ?? 10001 + index,
    baseCcy,
    quoteCcy,
    tickSz: cfg.tickSz,
    lotSz: cfg.lotSz,
    minSz: cfg.minSz,
    maxLmtSz: cfg.maxLmtSz ?? '9999999999',
    maxMktSz: cfg.maxMktSz ?? '1000000',
    state: 'live',
    listTime: String(cfg.listTime ?? listTime),
  };
  if (cfg.contract) out.contract = { ...cfg.contract };
  return out;
}

const DAY_MS = 86_400_000;

/** The last Friday 08:00 UTC of the quarter holding `ms` (OKX quarterly futures expire then). */
function quarterExpiry(ms: number): number {
  const d = new Date(ms);
  const qEndMonth = Math.floor(d.getUTCMonth() / 3) * 3 + 3; // first month of the next quarter
  let t = Date.UTC(d.getUTCFullYear(), qEndMonth, 1, 8) - DAY_MS; // last day of the quarter, 08:00
  while (new Date(t).getUTCDay() !== 5) t -= DAY_MS;
  return t;
}

/** The quarterly expiry after the one at `exp` (the next quarter's last Friday 08:00 UTC). */
export function nextQuarterExpiry(exp: number): number {
  return quarterExpiry(exp + 7 * DAY_MS);
}

/** An expiry as OKX writes it in a future's id: 260626. */
export function yymmdd(ms: number): string {
  return new Date(ms).toISOString().slice(2, 10).replace(/-/g, '');
}

/**
 * The default contracts: USDT-margined (linear) and coin-margined (inverse) perpetual swaps, and a
 * quarterly future of each kind, with OKX's contract values and rules. Each follows its spot
 * index with a small mean-reverting basis. The future's id carries the next quarterly expiry
 * after `startMs`; when it delivers, the market lists the following quarter's contract
 * (docs/OKX-PROTOCOL.md §7.7).
 */
export function defaultDerivativeInstruments(startMs: number): MarketInstrumentConfig[] {
  let exp = quarterExpiry(startMs);
  if (exp <= startMs) exp = nextQuarterExpiry(exp);
  const swap = (
    instId: string,
    index: string,
    ctType: 'linear' | 'inverse',
    spec: Pick<MarketInstrumentConfig, 'tickSz' | 'lotSz' | 'minSz' | 'price' | 'tradeSize'>,
    ctVal: string,
    code: number,
    instType: 'SWAP' | 'FUTURES' = 'SWAP',
  ): MarketInstrumentConfig => {
    const [base = '', quote = ''] = instId.split('-');
    return {
      instId,
      instType,
      instIdCode: code,
      maxLmtSz: '100000',
      maxMktSz: ctType === 'linear' ? '3000' : '10000',
      levelGapTicks: instId.startsWith('ETH') ? 20 : 30,
      ...spec,
      contract: {
        ctType,
        ctVal,
        ctValCcy: ctType === 'linear' ? base : 'USD',
        settleCcy: ctType === 'linear' ? quote : base,
        uly: `${base}-${quote}`,
        indexInstId: index,
        lever: '100',
        expTime: instType === 'FUTURES' ? String(exp) : '',
        alias: instType === 'FUTURES' ? 'quarter' : '',
      },
    };
  };
  const d = yymmdd(exp);
  return [
    swap(
      'BTC-USDT-SWAP',
      'BTC-USDT',
      'linear',
      { tickSz: '0.1', lotSz: '0.01', minSz: '0.01', price: '60000', tradeSize: [0.01, 200] },
      '0.01',
      20001,
    ),
    swap(
      'ETH-USDT-SWAP',
      'ETH-USDT',
      'linear',
      { tickSz: '0.01', lotSz: '0.01', minSz: '0.01', price: '3000', tradeSize: [0.01, 200] },
      '0.1',
      20002,
    ),
    swap(
      'BTC-USD-SWAP',
      'BTC-USDT',
      'inverse',
      { tickSz: '0.1', lotSz: '1', minSz: '1', price: '60000', tradeSize: [1, 500] },
      '100',
      20003,
    ),
    swap(
      `BTC-USDT-${d}`,
      'BTC-USDT',
      'linear',
      { tickSz: '0.1', lotSz: '0.1', minSz: '0.1', price: '60000', tradeSize: [0.1, 200] },
      '0.01',
      20004,
      'FUTURES',
    ),
    swap(
      `BTC-USD-${d}`,
      'BTC-USDT',
      'inverse',
      { tickSz: '0.1', lotSz: '1', minSz: '1', price: '60000', tradeSize: [1, 500] },
      '100',
      20005,
      'FUTURES',
    ),
  ];
}
