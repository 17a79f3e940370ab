import type { BacktestFill } from './exchange.js';

const DAY = 86_400_000;
const YEAR_DAYS = 365;

/** Risk and return of one equity curve. Ratios are null where they are undefined (no variance, no loss). */
export interface Performance {
  startEquity: number;
  endEquity: number;
  /** Fraction: 0.1 = +10 %. */
  totalReturn: number;
  /** Compounded per 365 days. */
  annualReturn: number;
  /** Largest peak-to-trough fall as a fraction of the peak. */
  maxDrawdown: number;
  /** Longest time (ms) the equity stayed below a previous peak. */
  maxDrawdownDurationMs: number;
  /** Standard deviation of daily returns, annualised (sqrt 365). */
  volatility: number;
  /** Mean daily return / its standard deviation x sqrt(365), risk-free rate 0. */
  sharpe: number | null;
  /** Mean daily return / downside deviation x sqrt(365). */
  sortino: number | null;
  /** Annual return / max drawdown. */
  calmar: number | null;
}

/** A round trip: an entry lot closed (first in, first out) by a later fill on the other side. */
export interface RoundTrip {
  side: 'long' | 'short';
  entryTs: number;
  exitTs: number;
  entryPx: number;
  exitPx: number;
  /** Base units closed. */
  size: number;
  /** Quote profit net of the entry and exit fees. */
  pnl: number;
  /** pnl / entry cost. */
  returnPct: number;
  fees: number;
}

/** Round trips and the statistics over them (win rate, profit factor). */
export interface TradeStats {
  trades: RoundTrip[];
  /** Round trips with pnl > 0 / all round trips (null with none). */
  winRate: number | null;
  /** Gross profit / gross loss (null with no losing trade). */
  profitFactor: number | null;
  /** Base left in open lots at the end. */
  openSize: number;
}

/** A backtest's metrics next to buy-and-hold: performance, trades, fees and exposure. */
export interface BacktestMetrics {
  strategy: Performance;
  buyHold: Performance;
  winRate: number | null;
  profitFactor: number | null;
  roundTrips: number;
  fills: number;
  /** Average share of equity held in the asset (|position value| / equity). */
  exposure: number;
  /** Share of candles with a position. */
  timeInMarket: number;
  /** Traded notional / average equity. */
  turnover: number;
  feesPaid: number;
  fundingPaid: number;
}

function mean(x: number[]): number {
  return x.length ? x.reduce((a, b) => a + b, 0) / x.length : 0;
}

/** Sample standard deviation (n - 1). */
function stdev(x: number[]): number {
  if (x.length < 2) return 0;
  const m = mean(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
}

/** Equity at the last candle of each UTC day, preceded by the starting equity. */
export function dailyEquity(ts: ArrayLike<number>, equity: ArrayLike<number>, start: number): number[] {
  const out = [start];
  for (let i = 0; i < equity.length; i++) {
    const day = Math.floor(ts[i]! / DAY);
    const next = i + 1 < equity.length ? Math.floor(ts[i + 1]! / DAY) : NaN;
    if (next !== day) out.push(equity[i]!);
  }
  return out;
}

export function returnsOf(levels: number[]): number[] {
  const r: number[] = [];
  for (let i = 1; i < levels.length; i++) r.push(levels[i - 1]! > 0 ? levels[i]! / levels[i - 1]! - 1 : 0);
  return r;
}

/** Max drawdown (fraction) and the longest underwater stretch (ms) of a curve sampled at ts. */
export function drawdown(
  ts: ArrayLike<number>,
  equity: ArrayLike<number>,
  start: number,
  startTs: number,
  endTs: number,
): { max: number; durationMs: number } {
  let peak = start;
  let peakTs = startTs;
  let max = 0;
  let longest = 0;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (e >= peak) {
      longest = Math.max(longest, ts[i]! - peakTs);
      peak = e;
      peakTs = ts[i]!;
    } else if (peak > 0) {
      const dd = (peak - e) / peak;
      if (dd > max) max = dd;
    }
  }
  // Still below the last peak at the end: that stretch counts up to the end.
  if (equity.length && equity[equity.length - 1]! < peak) longest = Math.max(longest, endTs - peakTs);
  return { max, durationMs: longest };
}

/** The figures of one equity curve sampled at candle closes (ts = candle starts, bar = candle length). */
export function performance(
  ts: ArrayLike<number>,
  equity: ArrayLike<number>,
  start: number,
  barMs: number,
): Performance {
  const n = equity.length;
  const end = n ? equity[n - 1]! : start;
  const startTs = n ? ts[0]! : 0;
  const endTs = n ? ts[n - 1]! + barMs : 0;
  const closeTs = Array.from({ length: n }, (_, i) => ts[i]! + barMs);
  const days = (endTs - startTs) / DAY;
  const totalReturn = start > 0 ? end / start - 1 : 0;
  const annualReturn =
    days > 0 && start > 0 && end > 0 ? (end / start) ** (YEAR_DAYS / days) - 1 : totalReturn;
  const dd = drawdown(closeTs, equity, start, startTs, endTs);
  const r = returnsOf(dailyEquity(ts, equity, start));
  const sd = stdev(r);
  const m = mean(r);
  const downside = r.length ? Math.sqrt(r.reduce((a, b) => a + Math.min(b, 0) ** 2, 0) / r.length) : 0;
  const ann = Math.sqrt(YEAR_DAYS);
  return {
    startEquity: start,
    endEquity: end,
    totalReturn,
    annualReturn,
    maxDrawdown: dd.max,
    maxDrawdownDurationMs: dd.durationMs,
    volatility: sd * ann,
    sharpe: sd > 0 ? (m / sd) * ann : null,
    sortino: downside > 0 ? (m / downside) * ann : null,
    calmar: dd.max > 0 ? annualReturn / dd.max : null,
  };
}

/**
 * Round trips from fills, first in first out. A spot buy's lot holds what arrived (size minus
 * the fee charged in base) at the quote it cost; a sell closes lots and pays its fee in quote.
 * On spot (`spot` true) a sell beyond the bought lots sells base held from the start (no entry to
 * pair it with), never a short; on swaps it opens a short.
 */
export function roundTrips(fills: readonly BacktestFill[], spot: boolean): TradeStats {
  const baseFees = spot;
  interface Lot {
    ts: number;
    qty: number;
    orig: number;
    /** quote per unit of qty, entry fee included */
    unitCost: number;
    unitFee: number;
    px: number;
    dir: 1 | -1;
  }
  const lots: Lot[] = [];
  const trades: RoundTrip[] = [];
  for (const f of fills) {
    const dir: 1 | -1 = f.side === 'buy' ? 1 : -1;
    let qty = f.sz;
    let fee = f.feeQuote;
    // Close opposite lots first.
    while (qty > 1e-12 && lots.length && lots[0]!.dir !== dir) {
      const lot = lots[0]!;
      const take = Math.min(lot.qty, qty);
      const share = take / qty;
      const exitFee = fee * share;
      const entryCost = take * lot.unitCost;
      const pnl = lot.dir === 1 ? take * f.px - exitFee - entryCost : entryCost - take * f.px - exitFee;
      const fees = exitFee + take * lot.unitFee;
      trades.push({
        side: lot.dir === 1 ? 'long' : 'short',
        entryTs: lot.ts,
        exitTs: f.ts,
        entryPx: lot.px,
        exitPx: f.px,
        size: take,
        pnl,
        returnPct: entryCost > 0 ? (pnl / entryCost) * 100 : 0,
        fees,
      });
      lot.qty -= take;
      qty -= take;
      fee -= exitFee;
      // A remainder below 0.01 % of the lot is lot-rounding dust, not a position.
      if (lot.qty <= lot.orig * 1e-4) lots.shift();
    }
    if (qty <= 1e-12 || (spot && dir === -1)) continue;
    // What is left opens a lot; a spot buy's base fee shrinks what it holds.
    const held = dir === 1 && baseFees ? qty - f.fee * (qty / f.sz) : qty;
    const cost = qty * f.px;
    lots.push({
      ts: f.ts,
      qty: held,
      orig: held,
      unitCost: dir === 1 ? (cost + (baseFees ? 0 : fee)) / held : (cost - fee) / held,
      unitFee: fee / held,
      px: f.px,
      dir,
    });
  }
  const wins = trades.filter((t) => t.pnl > 0);
  const gain = wins.reduce((a, t) => a + t.pnl, 0);
  const loss = -trades.filter((t) => t.pnl < 0).reduce((a, t) => a + t.pnl, 0);
  return {
    trades,
    winRate: trades.length ? wins.length / trades.length : null,
    profitFactor: loss > 0 ? gain / loss : null,
    openSize: lots.reduce((a, l) => a + l.qty * l.dir, 0),
  };
}

/** What computeMetrics reads: the candles' closes, the equity curve and the fills. */
export interface MetricsInput {
  ts: ArrayLike<number>;
  close: ArrayLike<number>;
  /** Open of the first candle: buy-and-hold enters there. */
  firstOpen: number;
  equity: ArrayLike<number>;
  position: ArrayLike<number>;
  startEquity: number;
  barMs: number;
  fills: readonly BacktestFill[];
  tradedQuote: number;
  feesQuote: number;
  fundingPaid: number;
  /** Taker fee rate buy-and-hold pays to enter. */
  takerRate: number;
  /** Spot: buys pay their fee in base. */
  baseFees: boolean;
}

/** Every figure of a backtest, next to buying and holding over the same candles. */
export function computeMetrics(x: MetricsInput): BacktestMetrics {
  const n = x.equity.length;
  const strategy = performance(x.ts, x.equity, x.startEquity, x.barMs);
  const units = (x.startEquity * (1 - x.takerRate)) / x.firstOpen;
  const bh = new Float64Array(n);
  for (let i = 0; i < n; i++) bh[i] = units * x.close[i]!;
  const buyHold = performance(x.ts, bh, x.startEquity, x.barMs);
  let expo = 0;
  let inMkt = 0;
  let eqSum = 0;
  for (let i = 0; i < n; i++) {
    const e = x.equity[i]!;
    const v = Math.abs(x.position[i]! * x.close[i]!);
    eqSum += e;
    if (e > 0) expo += Math.min(1, v / e);
    // In the market: holding more than 0.1 % of equity (lot-rounding dust does not count).
    if (v > 0.001 * e) inMkt++;
  }
  const rt = roundTrips(x.fills, x.baseFees);
  return {
    strategy,
    buyHold,
    winRate: rt.winRate,
    profitFactor: rt.profitFactor,
    roundTrips: rt.trades.length,
    fills: x.fills.length,
    exposure: n ? expo / n : 0,
    timeInMarket: n ? inMkt / n : 0,
    turnover: eqSum > 0 ? x.tradedQuote / (eqSum / n) : 0,
    feesPaid: x.feesQuote,
    fundingPaid: x.fundingPaid,
  };
}

/** Return of each calendar month (UTC) of an equity curve: [{ month: "2025-03", ret }]. */
export function monthlyReturns(
  ts: ArrayLike<number>,
  equity: ArrayLike<number>,
  start: number,
): { month: string; ret: number }[] {
  const out: { month: string; ret: number }[] = [];
  let prev = start;
  for (let i = 0; i < equity.length; i++) {
    const m = new Date(ts[i]!).toISOString().slice(0, 7);
    const next = i + 1 < equity.length ? new Date(ts[i + 1]!).toISOString().slice(0, 7) : '';
    if (next !== m) {
      out.push({ month: m, ret: prev > 0 ? equity[i]! / prev - 1 : 0 });
      prev = equity[i]!;
    }
  }
  return out;
}
