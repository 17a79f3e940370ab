import type { Side } from '../trading/exchange-port.js';

/** One price level as numbers: [price, size in base units]. Best first. */
export type Level = readonly [px: number, sz: number];

/**
 * A verified order book as the opportunity engine reads it: numbers for speed (estimates only;
 * orders are sent as decimal strings rounded to the instrument's rules), and the exchange
 * timestamp of the push it reflects, so an edge is never computed on a book of unknown age.
 */
export interface BookView {
  venue: string;
  instId: string;
  bids: readonly Level[];
  asks: readonly Level[];
  /** Exchange time of the last push applied (ms). */
  ts: number;
}

/** A triangular cycle on one venue, e.g. USDT -> BTC -> ETH -> USDT is ["USDT","BTC","ETH"]. */
export interface CycleSpec {
  venue: string;
  currencies: readonly [string, string, string];
}

/** One instrument on two venues (buy where it is cheaper, sell where it is dearer). */
export interface PairSpec {
  instId: string;
  venues: readonly [string, string];
}

/** A leg the engine planned: what to send, at the worst level it reaches. */
export interface PlannedLeg {
  venue: string;
  instId: string;
  side: Side;
  /** Base units. */
  sz: number;
  /** Worst price the walk reached (the IOC limit). */
  px: number;
  from: string;
  to: string;
  /** What the leg spends, in `from`. */
  amountIn: number;
  /** What it should deliver after the taker fee, in `to`. */
  amountOut: number;
  /** Share of the leg's size the best level covers (low = a thin book). */
  topCover: number;
}

export interface BookStamp {
  venue: string;
  instId: string;
  /** Exchange time of the book (ms). */
  ts: number;
  /** Age at detection (ms). */
  ageMs: number;
}

/** An evaluated route: its edge after taker fees and depth-weighted slippage. */
export interface Opportunity {
  kind: 'cycle' | 'pair';
  /** Stable id of the route and direction, e.g. "cycle:okx:USDT>BTC>ETH>USDT" or "pair:BTC-USDT:okx>alt". */
  id: string;
  /** The store's series name for the route (upper-case letters, digits and dashes). */
  key: string;
  /** The currency profit is counted in (a cycle's start; a pair's quote). */
  ccy: string;
  /** The profit-maximising size: start currency for a cycle, base units for a pair. */
  size: number;
  /** Profit at `size`, in `ccy`, after fees and slippage (<= 0: no opportunity). */
  profit: number;
  /** profit / notional at `size`, basis points. */
  edgeBps: number;
  /** Edge at the configured reference size (bps), for comparison across scans. */
  edgeAtRefBps: number;
  /** Notional of `size` in `ccy`. */
  notional: number;
  legs: PlannedLeg[];
  books: BookStamp[];
  /** Age of the oldest book used (ms). */
  maxAgeMs: number;
  /** Clock time of detection (ms). */
  detectedAt: number;
  /** performance.now() at detection, for detect-to-order latency. */
  detectedPerf: number;
  /** Mid price of each book at detection, by "venue:instId" (valuing leftovers). */
  mids: Record<string, number>;
}
