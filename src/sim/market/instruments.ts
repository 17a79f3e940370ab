import type { SimInstrument } from '../contracts.js';

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
  return {
    instType: 'SPOT',
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
}
