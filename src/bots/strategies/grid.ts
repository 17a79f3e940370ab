import { ValidationError } from '../../util/errors.js';
import type { GridConfig } from '../config.js';
import { D, dec, feeInQuote, fmt, toStep } from '../money.js';
import type {
  Balance,
  BotAction,
  Instrument,
  IntentMeta,
  IntentRecord,
  Order,
  Strategy,
  StrategyContext,
  StrategyMetrics,
  Ticker,
} from '../types.js';

export interface GridState {
  /** The ladder as placed, fixed at the first start so a restart keeps the same prices. */
  prices: string[];
  /** Base size of each level's order. */
  sizes: string[];
  /** Realised grid profit in quote, net of fees. */
  realisedProfit: string;
  completedPairs: number;
  fills: number;
  /** Orders that ended without a counter order (canceled outside the bot, rejected, off the ladder). */
  dropped: number;
}

/**
 * Price levels from lower to upper inclusive, rounded to the tick. Arithmetic: equal steps;
 * geometric: equal ratios (lower * r^i with r = (upper/lower)^(1/(levels-1))).
 */
export function gridLadder(
  lower: string,
  upper: string,
  levels: number,
  mode: 'arithmetic' | 'geometric',
  tickSz: string,
): string[] {
  const lo = dec(lower);
  const hi = dec(upper);
  const n = levels - 1;
  const out: string[] = [];
  const ratio = mode === 'geometric' ? hi.div(lo).pow(dec(1).div(n)) : dec(0);
  for (let i = 0; i <= n; i++) {
    let px;
    if (i === n) px = hi;
    else if (mode === 'arithmetic') px = lo.plus(hi.minus(lo).mul(i).div(n));
    else px = lo.mul(ratio.pow(i));
    out.push(toStep(px, tickSz, 'nearest'));
  }
  return out;
}

/** Index of the level nearest a price (the lower one on a tie). */
export function nearestLevel(prices: string[], px: string): number {
  const p = dec(px);
  let best = 0;
  let bestDist = dec(prices[0]!).minus(p).abs();
  for (let i = 1; i < prices.length; i++) {
    const d = dec(prices[i]!).minus(p).abs();
    if (d.lt(bestDist)) {
      best = i;
      bestDist = d;
    }
  }
  return best;
}

/**
 * Grid bot: a ladder of limit orders over [lower, upper], buys below the price and sells above
 * (the level nearest the price is left empty). Each fill places the opposite order one level
 * away: a buy filled at level i -> a sell at i+1; a sell filled at i -> a buy at i-1. A fill that
 * closes a round trip (buy then the sell above, or sell then the buy below) adds its profit, net
 * of both fees, to the realised grid profit.
 */
export class GridStrategy implements Strategy<GridState> {
  readonly kind = 'grid' as const;
  readonly instId: string;
  constructor(readonly config: GridConfig) {
    this.instId = config.instId;
  }

  private plan(inst: Instrument): { prices: string[]; sizes: string[] } {
    const c = this.config;
    const prices = gridLadder(c.lower, c.upper, c.levels, c.mode, inst.tickSz);
    for (let i = 1; i < prices.length; i++) {
      if (dec(prices[i]!).lte(dec(prices[i - 1]!))) {
        throw new ValidationError(
          'levels',
          `${c.levels} levels between ${c.lower} and ${c.upper} are closer than the tick size ${inst.tickSz} of ${inst.instId}`,
          'use fewer levels or a wider range',
        );
      }
    }
    if (dec(prices[0]!).lte(0))
      throw new ValidationError('lower', 'rounds to a price of 0', `set lower to at least ${inst.tickSz}`);
    let sizes: string[];
    let field: 'sizePerLevel' | 'investment';
    if (c.sizePerLevel !== undefined) {
      field = 'sizePerLevel';
      const sz = toStep(c.sizePerLevel, inst.lotSz, 'down');
      sizes = prices.map(() => sz);
    } else {
      field = 'investment';
      // One level stays empty, so the investment is split over levels - 1 orders.
      const perOrder = dec(c.investment!).div(c.levels - 1);
      sizes = prices.map((p) => toStep(perOrder.div(p), inst.lotSz, 'down'));
    }
    sizes.forEach((sz, i) => {
      if (dec(sz).lt(dec(inst.minSz))) {
        const fix =
          field === 'sizePerLevel'
            ? `set sizePerLevel to at least ${inst.minSz} (the minimum order size of ${inst.instId})`
            : `raise investment to at least ${fmt(
                dec(inst.minSz)
                  .mul(prices[prices.length - 1]!)
                  .mul(c.levels - 1)
                  .toSignificantDigits(3, D.ROUND_UP),
              )} or use fewer levels`;
        throw new ValidationError(
          field,
          `gives level ${i} (price ${prices[i]}) a size of ${sz}, below the minimum ${inst.minSz} of ${inst.instId}`,
          fix,
        );
      }
    });
    return { prices, sizes };
  }

  validate(inst: Instrument, _ticker: Ticker): void {
    this.plan(inst);
  }

  init(
    ctx: StrategyContext,
    ticker: Ticker,
    balances: Balance[],
  ): { state: GridState; actions: BotAction[] } {
    const inst = ctx.instrument;
    const { prices, sizes } = this.plan(inst);
    const skip = nearestLevel(prices, ticker.last);
    const actions: BotAction[] = [];
    let needQuote = dec(0);
    let needBase = dec(0);
    prices.forEach((px, i) => {
      if (i === skip) return;
      const side = i < skip ? 'buy' : 'sell';
      if (side === 'buy') needQuote = needQuote.plus(dec(px).mul(sizes[i]!));
      else needBase = needBase.plus(sizes[i]!);
      actions.push(this.order(i, side, sizes[i]!, prices, {}));
    });
    const avail = (ccy: string) => dec(balances.find((b) => b.ccy === ccy)?.availBal || '0');
    const field = this.config.sizePerLevel !== undefined ? 'sizePerLevel' : 'investment';
    if (avail(inst.quoteCcy).lt(needQuote)) {
      throw new ValidationError(
        field,
        `the buy orders need ${fmt(needQuote)} ${inst.quoteCcy} but ${fmt(avail(inst.quoteCcy))} is available`,
        `lower ${field}, use fewer levels, or add ${inst.quoteCcy}`,
      );
    }
    if (avail(inst.baseCcy).lt(needBase)) {
      throw new ValidationError(
        field,
        `the sell orders above the price need ${fmt(needBase)} ${inst.baseCcy} but ${fmt(avail(inst.baseCcy))} is available`,
        `lower ${field}, move the range down, or add ${inst.baseCcy}`,
      );
    }
    const state: GridState = { prices, sizes, realisedProfit: '0', completedPairs: 0, fills: 0, dropped: 0 };
    return { state, actions };
  }

  private order(
    level: number,
    side: 'buy' | 'sell',
    sz: string,
    prices: string[],
    open: IntentMeta,
  ): BotAction {
    return {
      kind: 'place',
      intent: { instId: this.instId, side, ordType: 'limit', px: prices[level]!, sz, tdMode: 'cash' },
      meta: { level, ...open },
    };
  }

  onTicker(): BotAction[] {
    return [];
  }

  onOrderDone(ctx: StrategyContext, state: GridState, order: Order, meta: IntentMeta): BotAction[] {
    const filled = dec(order.accFillSz || '0');
    if (filled.lte(0)) {
      state.dropped++;
      return [];
    }
    state.fills++;
    const inst = ctx.instrument;
    const level = Number(meta.level);
    const px = order.avgPx || order.px;
    const feeQ = feeInQuote(order.fee, order.feeCcy, inst.quoteCcy, px);
    let open: IntentMeta = {};
    if (typeof meta.openPx === 'string') {
      // This fill closes a round trip: profit = size x spread between the two fills, net of both fees.
      const openPx = dec(meta.openPx);
      const spread = order.side === 'sell' ? dec(px).minus(openPx) : openPx.minus(px);
      const profit = spread
        .mul(filled)
        .plus(feeQ)
        .plus(dec(String(meta.openFeeQuote ?? '0')));
      state.realisedProfit = fmt(dec(state.realisedProfit).plus(profit).toDecimalPlaces(10));
      state.completedPairs++;
    } else {
      open = { openSide: order.side, openPx: px, openFeeQuote: fmt(feeQ) };
    }
    const next = order.side === 'buy' ? level + 1 : level - 1;
    if (next < 0 || next >= state.prices.length) {
      state.dropped++;
      return [];
    }
    const sz = toStep(filled, inst.lotSz, 'down');
    if (dec(sz).lt(inst.minSz)) {
      state.dropped++;
      return [];
    }
    return [this.order(next, order.side === 'buy' ? 'sell' : 'buy', sz, state.prices, open)];
  }

  onRejected(_ctx: StrategyContext, state: GridState, _rec: IntentRecord, _reason: string): BotAction[] {
    state.dropped++;
    return [];
  }

  metrics(ctx: StrategyContext, state: GridState, last: string): StrategyMetrics {
    let upl = dec(0);
    for (const r of ctx.openIntents()) {
      if (typeof r.meta.openPx !== 'string' || !last) continue;
      const open = dec(r.meta.openPx);
      const sz = dec(r.intent.sz);
      upl = upl.plus(r.intent.side === 'sell' ? dec(last).minus(open).mul(sz) : open.minus(last).mul(sz));
    }
    return {
      realisedPnl: state.realisedProfit,
      unrealisedPnl: fmt(upl.toDecimalPlaces(8)),
      detail: `${state.prices.length} levels ${state.prices[0]}..${state.prices[state.prices.length - 1]}, ${state.completedPairs} round trips`,
    };
  }

  isDone(): boolean {
    return false;
  }
}
