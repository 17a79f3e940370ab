import type { OkxClient } from '../client/okx-client.js';
import type { AlertInput } from '../trading/alerts.js';
import type { AuditSink } from '../trading/audit.js';
import type { ExchangePort, Instrument, Order, OrderIntent, Position } from '../trading/exchange-port.js';
import { systemClock, type Clock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import type { BookView, Level } from './types.js';

/** One settled funding of a perpetual: when, and the rate per period (+: longs paid shorts). */
export interface SettledFunding {
  fundingTime: number;
  rate: number;
}

/** Funding as the basis bot reads it (rates per 8 h period; positive: longs pay shorts). */
export interface FundingSource {
  /** The rate the next settlement is expected to pay (OKX's current-period `fundingRate`). */
  rate(instId: string): Promise<number>;
  /** Rates settled at or after `sinceMs`, oldest first. */
  settled(instId: string, sinceMs: number): Promise<SettledFunding[]>;
  /** Funding paid (-) or received (+) by the account on `instId` since `sinceMs`, in the settle currency. */
  paid(instId: string, sinceMs: number): Promise<number>;
}

/**
 * Funding from OKX (or the local exchange): GET /public/funding-rate, /public/funding-rate-history
 * and the type-8 account bills (docs/OKX-PROTOCOL.md §11).
 */
export function okxFunding(client: OkxClient): FundingSource {
  return {
    async rate(instId) {
      const [r] = await client.api.public.fundingRate({ instId });
      return Number(r?.fundingRate ?? 0);
    },
    async settled(instId, sinceMs) {
      const rows = await client.api.public.fundingRateHistory({ instId });
      return (rows as { fundingTime?: string; fundingRate?: string; realizedRate?: string }[])
        .map((r) => ({ fundingTime: Number(r.fundingTime), rate: Number(r.realizedRate || r.fundingRate) }))
        .filter((r) => r.fundingTime >= sinceMs && Number.isFinite(r.rate))
        .sort((a, b) => a.fundingTime - b.fundingTime);
    },
    async paid(instId, sinceMs) {
      const bills = await client.api.account.bills({ instType: 'SWAP', type: '8' });
      let sum = 0;
      for (const b of bills as { instId?: string; ts?: string; pnl?: string; balChg?: string }[])
        if (b.instId === instId && Number(b.ts) >= sinceMs) sum += Number(b.pnl || b.balChg || 0);
      return sum;
    },
  };
}

/** What the basis bot trades through: a SafeExchange over OkxExchange live, a PaperVenue on paper. */
export type BasisPort = Pick<ExchangePort, 'instrument' | 'ticker' | 'placeOrder' | 'balances'> & {
  positions(instId?: string): Promise<Position[]>;
  setLeverage?: ExchangePort['setLeverage'];
};

/** Options of the basis (cash-and-carry) bot: the spot + swap port, the funding-rate source and the two instruments it trades. */
export interface BasisBotOptions {
  /** Spot + swap port (a SafeExchange over OkxExchange, or a PaperVenue). */
  port: BasisPort;
  funding: FundingSource;
  spotInstId: string;
  swapInstId: string;
  /** Position size in the base currency (e.g. BTC). */
  size: string;
  /**
   * Taker fees (fractions) at the account's tier: `fetchTakerFees(client)` reads them from the
   * trade-fee endpoint (docs/OKX-PROTOCOL.md §11). Four of them (two legs in, two out) are part
   * of the entry threshold.
   */
  fees: { spot: number; swap: number };
  /**
   * Yearly rate of the money behind the spot leg: the interest of a margin loan when the spot is
   * bought on borrowed quote, else the return the capital gives up (0.05 = 5 %). Counted over the
   * horizon at entry and per funding period while holding.
   */
  borrowRateYearly: number;
  /** How long the carry is counted for when entering (ms). Default 24 h (three fundings). */
  horizonMs?: number;
  /** Least net edge over the horizon to enter (bps). Default 0. */
  minEdgeBps?: number;
  /** Exit when the basis falls to this (bps) and funding stopped paying. Default 2. */
  exitBasisBps?: number;
  /** Exit when the short's margin ratio (equity / maintenance margin) falls below this. Default 3. */
  minMarginRatio?: number;
  /** Exit after this many settled fundings in a row against the short. Default 2. */
  maxAdverseFundings?: number;
  /**
   * The books of the two instruments (live, paper or replayed): when given, the entry basis is
   * priced at the depth-weighted average of walking them for the size, not at the best prices.
   */
  books?: (instId: string) => BookView | undefined;
  /** Cross leverage set on the swap before entering (when the port can set it). */
  lever?: string;
  audit?: AuditSink;
  alerts?: { emit(a: AlertInput): unknown };
  clock?: Clock;
}

/** PnL of a basis position in the quote currency: the two legs' price PnL and the funding received or paid. */
export interface BasisPnl {
  /** Price PnL of both legs (spot long + swap short, gross of fees), quote currency. */
  basis: number;
  /** Funding received (+) or paid (-). */
  funding: number;
  /** Fees of the bot's orders (negative = paid), in quote (a base-currency fee at its fill price). */
  fees: number;
  total: number;
}

/** The entry edge over the horizon, bps of the spot notional. */
export interface BasisEdge {
  basisBps: number;
  fundingBps: number;
  /** Four taker fees at the account's tier. */
  feeBps: number;
  /** The spot leg's money over the horizon. */
  borrowBps: number;
  costBps: number;
  netBps: number;
}

/** Where a basis position is: none yet, both legs open, closing (a leg retried), closed. */
export type BasisState = 'flat' | 'open' | 'exiting' | 'closed';

/** Why a basis position was closed. */
export type BasisExitReason =
  'margin' | 'short-gone' | 'funding-flip' | 'funding-below-cost' | 'converged' | 'manual';

const PERIOD_MS = 8 * 3_600_000;
const YEAR_MS = 365 * 86_400_000;

/**
 * Spot long + perpetual short (docs/ARBITRAGE.md, "Basis and funding"), entered when the basis
 * plus the funding expected over the horizon pays more than four taker fees at the account's tier
 * and the spot leg's borrowing cost. While open, each `step` checks, in this order: the short's
 * margin ratio against its floor; the settled fundings since entry (N in a row against the short);
 * the predicted funding against the carry cost of one period; convergence. Every exit closes the
 * short first (the leveraged leg, whose margin is at risk) and sells the spot only once the short
 * is flat, so a failed leg never leaves a naked short; a leg that does not fill is retried on the
 * next step. Entry and exit are audited with the PnL split into basis, funding and fees.
 */
export class BasisBot {
  private readonly o: BasisBotOptions;
  private readonly clock: Clock;
  state: BasisState = 'flat';
  private entryAt = 0;
  private readonly orders: Order[] = [];
  private exitWhy: { reason: BasisExitReason; why: string } | undefined;
  private swapInst: Instrument | undefined;
  private spotInst: Instrument | undefined;
  lastDecision = '';

  constructor(o: BasisBotOptions) {
    if (!(Number(o.size) > 0))
      throw new ValidationError('size', `"${o.size}" is not a positive size`, 'e.g. "0.1"');
    for (const k of ['spot', 'swap'] as const)
      if (!(o.fees?.[k] >= 0 && o.fees[k] < 0.1))
        throw new ValidationError(
          `fees.${k}`,
          `${o.fees?.[k]} is not a taker fee fraction`,
          "read the account's tier with fetchTakerFees(client), e.g. 0.001",
        );
    if (!(o.borrowRateYearly >= 0))
      throw new ValidationError(
        'borrowRateYearly',
        `${o.borrowRateYearly} is not a rate`,
        'e.g. 0.05 for 5 % a year (0 when the capital costs nothing)',
      );
    this.o = o;
    this.clock = o.clock ?? systemClock;
  }

  /** The carry cost of one funding period (bps): the spot leg's money for 8 h. */
  get carryBpsPerPeriod(): number {
    return this.o.borrowRateYearly * (PERIOD_MS / YEAR_MS) * 1e4;
  }

  /** The edge of entering now over the horizon, in bps of the spot notional, after costs. */
  async edge(): Promise<BasisEdge> {
    const [spot, swap, rate] = await Promise.all([
      this.o.port.ticker(this.o.spotInstId),
      this.o.port.ticker(this.o.swapInstId),
      this.o.funding.rate(this.o.swapInstId),
    ]);
    let ask = Number(spot.askPx);
    let bid = Number(swap.bidPx);
    const sb = this.o.books?.(this.o.spotInstId);
    const wb = this.o.books?.(this.o.swapInstId);
    if (sb && wb) {
      // Depth-weighted: the spot's asks walked for the size, the swap's bids for its contracts.
      const { swap: inst } = await this.instruments();
      const ctVal = Number(inst.ctVal ?? '1');
      ask = vwap(sb.asks, Number(this.o.size));
      bid = vwap(wb.bids, Number(this.o.size) / ctVal);
    }
    // A book too thin for the size (NaN) or empty: no edge.
    const basisBps = ask > 0 && bid > 0 ? ((bid - ask) / ask) * 1e4 : -Infinity;
    const horizon = this.o.horizonMs ?? 3 * PERIOD_MS;
    const fundingBps = rate * 1e4 * Math.floor(horizon / PERIOD_MS);
    const feeBps = 2 * (this.o.fees.spot + this.o.fees.swap) * 1e4;
    const borrowBps = this.o.borrowRateYearly * (horizon / YEAR_MS) * 1e4;
    const costBps = feeBps + borrowBps;
    return { basisBps, fundingBps, feeBps, borrowBps, costBps, netBps: basisBps + fundingBps - costBps };
  }

  /** One decision: enter, hold, or exit (or go on with an exit a leg of which did not fill). */
  async step(): Promise<string> {
    if (this.state === 'closed') return (this.lastDecision = 'closed');
    if (this.state === 'exiting') return this.finishExit();
    if (this.state === 'flat') {
      const e = await this.edge();
      if (!(e.netBps > (this.o.minEdgeBps ?? 0)))
        return (this.lastDecision = `wait: net ${e.netBps.toFixed(1)} bps (basis ${e.basisBps.toFixed(1)} + funding ${e.fundingBps.toFixed(1)} - fees ${e.feeBps.toFixed(1)} - borrowing ${e.borrowBps.toFixed(1)})`);
      return this.enter(e);
    }
    const [pos] = await this.o.port.positions(this.o.swapInstId);
    // The short gone (liquidated, or closed by hand): the spot alone is unhedged; sell it.
    if (!pos || !(Number(pos.pos) < 0))
      return this.exit('the short is gone (liquidated or closed outside the bot)', 'short-gone');
    const ratio = Number(pos.mgnRatio);
    const floor = this.o.minMarginRatio ?? 3;
    if (pos.mgnRatio !== '' && Number.isFinite(ratio) && ratio < floor)
      return this.exit(`margin ratio ${ratio.toFixed(2)} below the floor ${floor}`, 'margin');
    const settled = await this.o.funding.settled(this.o.swapInstId, this.entryAt);
    let adverse = 0;
    for (let i = settled.length - 1; i >= 0 && settled[i]!.rate < 0; i--) adverse++;
    const maxAdverse = this.o.maxAdverseFundings ?? 2;
    if (adverse >= maxAdverse)
      return this.exit(`funding against the short ${adverse} periods in a row`, 'funding-flip');
    const rate = await this.o.funding.rate(this.o.swapInstId);
    const predictedBps = rate * 1e4;
    if (predictedBps < this.carryBpsPerPeriod)
      return this.exit(
        `predicted funding ${predictedBps.toFixed(2)} bps below the carry cost ${this.carryBpsPerPeriod.toFixed(2)} bps a period`,
        'funding-below-cost',
      );
    const e = await this.edge();
    if (e.basisBps <= (this.o.exitBasisBps ?? 2) && rate <= 0)
      return this.exit(`basis converged to ${e.basisBps.toFixed(1)} bps`, 'converged');
    return (this.lastDecision = `hold: basis ${e.basisBps.toFixed(1)} bps, funding ${predictedBps.toFixed(2)} bps, margin ratio ${pos.mgnRatio || 'n/a'}`);
  }

  private async instruments(): Promise<{ spot: Instrument; swap: Instrument }> {
    this.spotInst ??= await this.o.port.instrument(this.o.spotInstId);
    this.swapInst ??= await this.o.port.instrument(this.o.swapInstId);
    return { spot: this.spotInst, swap: this.swapInst };
  }

  private async send(intent: OrderIntent): Promise<Order | undefined> {
    try {
      const o = await this.o.port.placeOrder(intent);
      this.orders.push(o);
      return o;
    } catch (err) {
      await this.o.audit?.append({
        action: 'basis.order.failed',
        why: err instanceof Error ? err.message : String(err),
        details: { instId: intent.instId, side: intent.side, sz: intent.sz },
      });
      return undefined;
    }
  }

  private async enter(e: BasisEdge): Promise<string> {
    const { swap: swapInst } = await this.instruments();
    const ctVal = Number(swapInst.ctVal ?? '1');
    const contracts = String(Math.max(1, Math.round(Number(this.o.size) / ctVal)));
    if (this.o.lever && this.o.port.setLeverage)
      await this.o.port.setLeverage({ instId: this.o.swapInstId, lever: this.o.lever, mgnMode: 'cross' });
    // The spot leg first (the one without leverage): if it fails nothing is exposed.
    const spot = await this.send({
      instId: this.o.spotInstId,
      side: 'buy',
      ordType: 'market',
      sz: this.o.size,
      tgtCcy: 'base_ccy',
      tdMode: 'cash',
    });
    if (!spot || !(Number(spot.accFillSz) > 0)) {
      this.orders.length = 0;
      return (this.lastDecision = 'entry failed: the spot leg did not fill; nothing is open');
    }
    this.entryAt = this.clock.now();
    const swap = await this.send({
      instId: this.o.swapInstId,
      side: 'sell',
      ordType: 'market',
      sz: contracts,
      tdMode: 'cross',
    });
    if (!swap || !(Number(swap.accFillSz) > 0)) {
      // No short to hedge the spot: sell it back (an exit with no short to close).
      this.state = 'exiting';
      this.exitWhy = { reason: 'manual', why: 'entry failed: the swap leg did not fill' };
      await this.o.audit?.append({
        action: 'basis.enter.failed',
        why: 'the swap leg did not fill; selling the spot back',
        details: { spot: spot.clOrdId },
      });
      return this.finishExit();
    }
    this.state = 'open';
    await this.o.audit?.append({
      action: 'basis.enter',
      why: `net edge ${e.netBps.toFixed(1)} bps over the horizon`,
      details: { ...round2(e), spot: spot.clOrdId, swap: swap.clOrdId, contracts: swap.accFillSz },
    });
    return (this.lastDecision = `entered: net ${e.netBps.toFixed(1)} bps`);
  }

  /** Closes both legs (also for a human stop): the short first, then the spot. */
  async exit(why: string, reason: BasisExitReason = 'manual'): Promise<string> {
    if (this.state !== 'open') return (this.lastDecision = 'nothing to exit');
    this.state = 'exiting';
    this.exitWhy = { reason, why };
    return this.finishExit();
  }

  /** Spot held by the bot: what it bought (less a fee taken in the base) less what it sold. */
  private spotHeld(): number {
    let held = 0;
    const base = this.o.spotInstId.split('-')[0];
    for (const o of this.orders) {
      if (o.instId !== this.o.spotInstId) continue;
      const q = Number(o.accFillSz || 0);
      held += o.side === 'buy' ? q : -q;
      if (o.feeCcy === base) held += Number(o.fee || 0);
    }
    return held;
  }

  private async finishExit(): Promise<string> {
    const why = this.exitWhy!;
    const { spot: spotInst } = await this.instruments();
    const [pos] = await this.o.port.positions(this.o.swapInstId);
    const short = pos ? -Number(pos.pos) : 0;
    if (short > 0) {
      const o = await this.send({
        instId: this.o.swapInstId,
        side: 'buy',
        ordType: 'market',
        sz: String(short),
        tdMode: 'cross',
        reduceOnly: true,
      });
      if (!o || Number(o.accFillSz) < short) {
        await this.o.alerts?.emit({
          kind: 'basis-exit-incomplete',
          severity: 'warning',
          message: `${this.o.swapInstId}: the short did not close (${o?.accFillSz ?? 0} of ${short}); the spot is kept until it does`,
          details: { reason: why.reason },
        });
        return (this.lastDecision = `exiting (${why.why}): the short is not closed yet, retrying`);
      }
    }
    const dp = decimals(spotInst.lotSz);
    const sell = Math.floor(this.spotHeld() * 10 ** dp + 1e-9) / 10 ** dp;
    if (sell >= Math.max(Number(spotInst.minSz), Number(spotInst.lotSz))) {
      const o = await this.send({
        instId: this.o.spotInstId,
        side: 'sell',
        ordType: 'market',
        sz: sell.toFixed(dp),
        tdMode: 'cash',
      });
      if (!o || Number(o.accFillSz) < sell * (1 - 1e-9))
        return (this.lastDecision = `exiting (${why.why}): the short is closed, the spot is not sold yet, retrying`);
    }
    this.state = 'closed';
    const pnl = await this.pnl();
    await this.o.audit?.append({
      action: 'basis.exit',
      why: why.why,
      details: {
        reason: why.reason,
        order: 'swap first, then spot',
        orders: this.orders.map((o) => ({
          clOrdId: o.clOrdId,
          instId: o.instId,
          side: o.side,
          filled: o.accFillSz,
        })),
        pnl,
      },
    });
    return (this.lastDecision = `exited: ${why.why}`);
  }

  /** Every order the bot placed, in the order it placed them. */
  get placed(): readonly Order[] {
    return this.orders;
  }

  /**
   * PnL so far, split into basis, funding and fees: the legs' price PnL on their gross sizes (what
   * is still held valued at the best bid for the spot and the best ask for the short), the funding
   * bills since entry, and every fee (a base-currency fee at its fill price).
   */
  async pnl(): Promise<BasisPnl> {
    if (this.orders.length === 0) return { basis: 0, funding: 0, fees: 0, total: 0 };
    const { swap: swapInst } = await this.instruments();
    const ctVal = Number(swapInst.ctVal ?? '1');
    const base = this.o.spotInstId.split('-')[0];
    let cash = 0;
    let fees = 0;
    let baseFees = 0;
    let short = 0;
    let lastSpotPx = 0;
    for (const o of this.orders) {
      const q = Number(o.accFillSz || 0);
      if (!(q > 0)) continue;
      const px = Number(o.avgPx);
      const fee = Number(o.fee || 0) * (o.feeCcy === base ? px : 1);
      fees += fee;
      if (o.feeCcy === base) baseFees -= fee;
      if (o.instId === this.o.spotInstId) {
        cash += o.side === 'buy' ? -q * px : q * px;
        lastSpotPx = px;
      } else {
        cash += (o.side === 'sell' ? 1 : -1) * q * ctVal * px;
        short += o.side === 'sell' ? q : -q;
      }
    }
    // What is still held, at what it would fetch now (a closed position's dust at its last fill).
    const held = this.spotHeld();
    const spotPx =
      this.state === 'closed' || held === 0
        ? lastSpotPx
        : Number((await this.o.port.ticker(this.o.spotInstId)).bidPx);
    const swapPx = short !== 0 ? Number((await this.o.port.ticker(this.o.swapInstId)).askPx) : 0;
    // A fee taken in the base is in `fees` at its fill price: the basis counts it back (gross).
    const basis = cash + held * spotPx + baseFees - short * ctVal * swapPx;
    const funding = await this.o.funding.paid(this.o.swapInstId, this.entryAt);
    return { basis, funding, fees, total: basis + funding + fees };
  }
}

/** Average price of taking `sz` from `levels` (NaN when they hold less). */
function vwap(levels: readonly Level[], sz: number): number {
  let left = sz;
  let cost = 0;
  for (const [px, q] of levels) {
    const take = Math.min(left, q);
    cost += take * px;
    left -= take;
    if (left <= sz * 1e-12) return cost / sz;
  }
  return NaN;
}

function decimals(step: string): number {
  return step.includes('.') ? step.split('.')[1]!.length : 0;
}

function round2(e: BasisEdge): Record<string, number> {
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, Math.round(v * 100) / 100]));
}
