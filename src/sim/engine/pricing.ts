import { ExchangeDecimal as Decimal } from '../../util/decimal.js';
import type { SimInstrument, SimMarketApi } from '../contracts.js';

/**
 * Prices a contract is marked at, as docs/SIMULATOR.md states them: the index is the last price
 * of the spot instrument the contract follows; the mark is the contract's own mid price held
 * within MARK_BAND of the index; the funding rate is OKX's clamp formula over the premium of the
 * mark to the index. All pure functions of the market now.
 */

/** The mark stays within 0.5 % of the index. */
const MARK_BAND = new Decimal('0.005');
/** The interest component of the funding formula, per 8 h period. */
export const FUNDING_INTEREST = new Decimal('0.0001');
/** clamp(interest - premium) bound. */
const FUNDING_DAMPER = new Decimal('0.0005');
/** The funding rate is capped at +-0.75 % a period. */
export const FUNDING_CAP = new Decimal('0.0075');
/** Funding settles every 8 h at 00:00, 08:00, 16:00 UTC. */
export const FUNDING_PERIOD_MS = 8 * 3_600_000;
/** Orders of a contract must be priced within 5 % of the mark (price-limit). */
const PRICE_LIMIT = new Decimal('0.05');

/** One position tier: sizes in contracts. */
export interface PositionTier {
  tier: number;
  minSz: Decimal;
  maxSz: Decimal;
  maxLever: Decimal;
  /** maintenance margin rate */
  mmr: Decimal;
  /** initial margin rate at the tier's max leverage */
  imr: Decimal;
}

/** Tiers in units of 2,000 contracts (20 BTC of BTC-USDT-SWAP, 200,000 USD of BTC-USD-SWAP). */
const TIERS: ReadonlyArray<[number, number, string, string]> = [
  [0, 2000, '100', '0.004'],
  [2000, 10000, '50', '0.01'],
  [10000, 50000, '20', '0.025'],
  [50000, 200000, '10', '0.05'],
];

export function positionTiers(_inst: SimInstrument): PositionTier[] {
  return TIERS.map(([lo, hi, lever, mmr], i) => ({
    tier: i + 1,
    minSz: new Decimal(lo),
    maxSz: new Decimal(hi),
    maxLever: new Decimal(lever),
    mmr: new Decimal(mmr),
    imr: new Decimal(1).div(lever),
  }));
}

/** The tier a position of `size` contracts falls in (the last one beyond the table). */
export function tierFor(inst: SimInstrument, size: Decimal): PositionTier {
  const tiers = positionTiers(inst);
  return tiers.find((t) => size.lte(t.maxSz)) ?? tiers[tiers.length - 1]!;
}

function roundTick(v: Decimal, tick: string): Decimal {
  return v.div(tick).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).mul(tick);
}

export class Pricing {
  constructor(private readonly market: SimMarketApi) {}

  /** The index: the followed spot instrument's last price (USDT stands for USD). */
  index(inst: SimInstrument): Decimal {
    const id = inst.contract?.indexInstId ?? inst.instId;
    return new Decimal(this.market.last(id));
  }

  /** The contract's mid price (or last when one side is empty). */
  mid(inst: SimInstrument): Decimal {
    const d = this.market.depth(inst.instId, 1);
    const bid = d.bids[0];
    const ask = d.asks[0];
    if (bid && ask) return new Decimal(bid[0]).plus(ask[0]).div(2);
    return new Decimal(this.market.last(inst.instId));
  }

  /** Mark price: the mid held within MARK_BAND of the index, on the tick. */
  mark(inst: SimInstrument): Decimal {
    if (!inst.contract) return new Decimal(this.market.last(inst.instId));
    const idx = this.index(inst);
    const lo = idx.mul(new Decimal(1).minus(MARK_BAND));
    const hi = idx.mul(new Decimal(1).plus(MARK_BAND));
    return roundTick(Decimal.min(hi, Decimal.max(lo, this.mid(inst))), inst.tickSz);
  }

  /** premium = (mark - index) / index */
  premium(inst: SimInstrument): Decimal {
    const idx = this.index(inst);
    return this.mark(inst).minus(idx).div(idx);
  }

  /** rate = clamp(P + clamp(I - P, -0.05 %, 0.05 %), -cap, cap), 8 decimals. */
  fundingRate(inst: SimInstrument): Decimal {
    const p = this.premium(inst);
    const damp = Decimal.min(FUNDING_DAMPER, Decimal.max(FUNDING_DAMPER.neg(), FUNDING_INTEREST.minus(p)));
    const r = Decimal.min(FUNDING_CAP, Decimal.max(FUNDING_CAP.neg(), p.plus(damp)));
    return r.toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN);
  }

  /** Highest buy and lowest sell price accepted now. */
  priceLimits(inst: SimInstrument): { buyLmt: Decimal; sellLmt: Decimal } {
    const m = this.mark(inst);
    return {
      buyLmt: m.mul(new Decimal(1).plus(PRICE_LIMIT)).div(inst.tickSz).floor().mul(inst.tickSz),
      sellLmt: m.mul(new Decimal(1).minus(PRICE_LIMIT)).div(inst.tickSz).ceil().mul(inst.tickSz),
    };
  }
}

/** Next funding settlement strictly after `ms`. */
export function nextFundingTime(ms: number): number {
  return (Math.floor(ms / FUNDING_PERIOD_MS) + 1) * FUNDING_PERIOD_MS;
}
