import type { OkxClient } from '../client/okx-client.js';
import type { AuditSink } from '../trading/audit.js';
import type { DerivativesPort, Instrument, Order } from '../trading/exchange-port.js';
import { systemClock, type Clock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';

/** Funding as the basis bot reads it: the current rate of the perpetual (per 8 h period). */
export interface FundingSource {
  rate(instId: string): Promise<number>;
  /** Funding paid (-) or received (+) by the account on `instId` since `sinceMs`, in the settle currency. */
  paid(instId: string, sinceMs: number): Promise<number>;
}

/** Funding from OKX (or the local exchange): GET /public/funding-rate and the type-8 account bills (docs/OKX-PROTOCOL.md §11). */
export function okxFunding(client: OkxClient): FundingSource {
  return {
    async rate(instId) {
      const [r] = await client.api.public.fundingRate({ instId });
      return Number(r?.fundingRate ?? 0);
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

export interface BasisBotOptions {
  /** Spot + swap port (a SafeExchange over OkxExchange). */
  port: DerivativesPort;
  funding: FundingSource;
  spotInstId: string;
  swapInstId: string;
  /** Position size in the base currency (e.g. BTC). */
  size: string;
  /** Taker fees (fractions). */
  fees: { spot: number; swap: number };
  /** Yearly cost of the capital or borrowing behind the spot leg (0.05 = 5 %). */
  borrowRateYearly: number;
  /** How long the carry is counted for when entering (ms). Default 24 h (three fundings). */
  horizonMs?: number;
  /** Least net edge over the horizon to enter (bps). Default 0. */
  minEdgeBps?: number;
  /** Exit when the basis falls to this (bps) and funding stopped paying. Default 2. */
  exitBasisBps?: number;
  /** Exit when the short's margin ratio falls below this. Default 3. */
  minMarginRatio?: number;
  /** Exit after this many funding rates in a row against the position. Default 2. */
  maxAdverseFundings?: number;
  audit?: AuditSink;
  clock?: Clock;
}

export interface BasisPnl {
  /** Price PnL of both legs (spot long + swap short), quote currency. */
  basis: number;
  /** Funding received (+) or paid (-). */
  funding: number;
  /** Fees of the bot's orders (negative = paid), in quote (a base-currency fee at its fill price). */
  fees: number;
  total: number;
}

export type BasisState = 'flat' | 'open' | 'closed';

const PERIOD_MS = 8 * 3_600_000;
const YEAR_MS = 365 * 86_400_000;

/**
 * Spot long + perpetual short, entered when the basis plus the funding expected over the
 * horizon pays more than the four taker fees and the borrowing cost; the short's margin ratio is
 * watched; the pair is closed when the basis has converged and funding no longer pays, when
 * funding turns against it, or when the margin ratio falls below its floor. PnL is split into
 * basis, funding and fees.
 */
export class BasisBot {
  private readonly o: BasisBotOptions;
  private readonly clock: Clock;
  state: BasisState = 'flat';
  private entry: { at: number; spot: Order; swap: Order; contracts: string } | undefined;
  private exitOrders: { spot: Order; swap: Order } | undefined;
  private adverse = 0;
  private swapInst: Instrument | undefined;
  lastDecision = '';

  constructor(o: BasisBotOptions) {
    if (!(Number(o.size) > 0))
      throw new ValidationError('size', `"${o.size}" is not a positive size`, 'e.g. "0.1"');
    this.o = o;
    this.clock = o.clock ?? systemClock;
  }

  /** The edge of entering now over the horizon, in bps of the spot notional, after costs. */
  async edge(): Promise<{ basisBps: number; fundingBps: number; costBps: number; netBps: number }> {
    const [spot, swap, rate] = await Promise.all([
      this.o.port.ticker(this.o.spotInstId),
      this.o.port.ticker(this.o.swapInstId),
      this.o.funding.rate(this.o.swapInstId),
    ]);
    const ask = Number(spot.askPx);
    const bid = Number(swap.bidPx);
    const basisBps = ((bid - ask) / ask) * 1e4;
    const horizon = this.o.horizonMs ?? 3 * PERIOD_MS;
    const fundingBps = rate * 1e4 * Math.floor(horizon / PERIOD_MS);
    const costBps =
      2 * (this.o.fees.spot + this.o.fees.swap) * 1e4 + this.o.borrowRateYearly * (horizon / YEAR_MS) * 1e4;
    return { basisBps, fundingBps, costBps, netBps: basisBps + fundingBps - costBps };
  }

  /** One decision: enter, hold, or exit. */
  async step(): Promise<string> {
    if (this.state === 'closed') return (this.lastDecision = 'closed');
    if (this.state === 'flat') {
      const e = await this.edge();
      if (e.netBps <= (this.o.minEdgeBps ?? 0))
        return (this.lastDecision = `wait: net ${e.netBps.toFixed(1)} bps (basis ${e.basisBps.toFixed(1)} + funding ${e.fundingBps.toFixed(1)} - costs ${e.costBps.toFixed(1)})`);
      await this.enter(e);
      return (this.lastDecision = `entered: net ${e.netBps.toFixed(1)} bps`);
    }
    const [pos] = await this.o.port.positions(this.o.swapInstId);
    const ratio = Number(pos?.mgnRatio ?? '');
    if (pos && Number.isFinite(ratio) && pos.mgnRatio !== '' && ratio < (this.o.minMarginRatio ?? 3))
      return this.exit(`margin ratio ${ratio.toFixed(2)} below ${this.o.minMarginRatio ?? 3}`);
    const rate = await this.o.funding.rate(this.o.swapInstId);
    this.adverse = rate < 0 ? this.adverse + 1 : 0;
    if (this.adverse >= (this.o.maxAdverseFundings ?? 2))
      return this.exit(`funding against the short ${this.adverse} times`);
    const e = await this.edge();
    if (e.basisBps <= (this.o.exitBasisBps ?? 2) && rate <= 0)
      return this.exit(`basis converged to ${e.basisBps.toFixed(1)} bps`);
    return (this.lastDecision = `hold: basis ${e.basisBps.toFixed(1)} bps, funding ${(rate * 1e4).toFixed(2)} bps, margin ratio ${pos?.mgnRatio || 'n/a'}`);
  }

  private async enter(e: { netBps: number }): Promise<void> {
    this.swapInst ??= await this.o.port.instrument(this.o.swapInstId);
    const ctVal = Number(this.swapInst.ctVal ?? '1');
    const contracts = String(Math.max(1, Math.round(Number(this.o.size) / ctVal)));
    // The spot leg first (the one without leverage): if it fails nothing is exposed.
    const spot = await this.o.port.placeOrder({
      instId: this.o.spotInstId,
      side: 'buy',
      ordType: 'market',
      sz: this.o.size,
      tgtCcy: 'base_ccy',
      tdMode: 'cash',
    });
    const swap = await this.o.port.placeOrder({
      instId: this.o.swapInstId,
      side: 'sell',
      ordType: 'market',
      sz: contracts,
      tdMode: 'cross',
    });
    this.entry = { at: this.clock.now(), spot, swap, contracts };
    this.state = 'open';
    await this.o.audit?.append({
      action: 'basis.enter',
      why: `net edge ${e.netBps.toFixed(1)} bps`,
      details: { spot: spot.clOrdId, swap: swap.clOrdId, contracts },
    });
  }

  /** Closes both legs (also for a human stop). */
  async exit(why: string): Promise<string> {
    if (!this.entry || this.state !== 'open') return (this.lastDecision = 'nothing to exit');
    const spotQty =
      Number(this.entry.spot.accFillSz) +
      (this.entry.spot.feeCcy === this.entry.spot.instId.split('-')[0] ? Number(this.entry.spot.fee) : 0);
    const lot = (await this.o.port.instrument(this.o.spotInstId)).lotSz;
    const dp = lot.includes('.') ? lot.split('.')[1]!.length : 0;
    const sellSz = (Math.floor(spotQty * 10 ** dp) / 10 ** dp).toFixed(dp);
    const swap = await this.o.port.placeOrder({
      instId: this.o.swapInstId,
      side: 'buy',
      ordType: 'market',
      sz: this.entry.contracts,
      tdMode: 'cross',
      reduceOnly: true,
    });
    const spot = await this.o.port.placeOrder({
      instId: this.o.spotInstId,
      side: 'sell',
      ordType: 'market',
      sz: sellSz,
      tdMode: 'cash',
    });
    this.exitOrders = { spot, swap };
    this.state = 'closed';
    await this.o.audit?.append({ action: 'basis.exit', why, details: { pnl: await this.pnl() } });
    return (this.lastDecision = `exited: ${why}`);
  }

  /** PnL so far, split into basis, funding and fees (open legs valued at the current tickers). */
  async pnl(): Promise<BasisPnl> {
    if (!this.entry) return { basis: 0, funding: 0, fees: 0, total: 0 };
    this.swapInst ??= await this.o.port.instrument(this.o.swapInstId);
    const ctVal = Number(this.swapInst.ctVal ?? '1');
    const contracts = Number(this.entry.contracts);
    const spotIn = Number(this.entry.spot.avgPx);
    const swapIn = Number(this.entry.swap.avgPx);
    const spotQty = Number(this.entry.spot.accFillSz);
    let spotOut: number;
    let swapOut: number;
    if (this.exitOrders) {
      spotOut = Number(this.exitOrders.spot.avgPx);
      swapOut = Number(this.exitOrders.swap.avgPx);
    } else {
      spotOut = Number((await this.o.port.ticker(this.o.spotInstId)).bidPx);
      swapOut = Number((await this.o.port.ticker(this.o.swapInstId)).askPx);
    }
    const basis = spotQty * (spotOut - spotIn) + contracts * ctVal * (swapIn - swapOut);
    const fee = (o: Order) =>
      Number(o.fee || 0) * (o.feeCcy === o.instId.split('-')[0] ? Number(o.avgPx) : 1);
    const orders = [
      this.entry.spot,
      this.entry.swap,
      ...(this.exitOrders ? [this.exitOrders.spot, this.exitOrders.swap] : []),
    ];
    const fees = orders.reduce((s, o) => s + fee(o), 0);
    const funding = await this.o.funding.paid(this.o.swapInstId, this.entry.at);
    return { basis, funding, fees, total: basis + funding + fees };
  }
}
