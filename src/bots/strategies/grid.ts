import { ValidationError } from '../../util/errors.js';
import { DEFAULT_BUY_SLIPPAGE_PCT, isRelativePrice, resolvePrice, type GridConfig } from '../config.js';
import { addTo, D, dec, feeInQuote, fmt, orderFlows, paidFeeRate, toStep, type Dec } from '../money.js';
import { ctVal, flowsOf, isContract, isContractId } from './contracts.js';
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
  Wake,
} from '../types.js';

/** The persisted state of a grid bot: the ladder as placed and its realised profit (decimal strings), kept across restarts. */
export interface GridState {
  /** The ladder as placed, fixed at the first start so a restart keeps the same prices. */
  prices: string[];
  /** Base size of each level's order. */
  sizes: string[];
  /** Realised grid profit in quote, net of fees (and of the start-up purchase's fee). */
  realisedProfit: string;
  completedPairs: number;
  fills: number;
  /** Orders that ended without a counter order (canceled outside the bot, rejected, off the ladder). */
  dropped: number;
  /** The level left empty at the start (nearest the price then). */
  startLevel?: number;
  /** While the start-up purchase of missing base is out: what the sells need and what is held. */
  buying?: { needBase: string; heldBase: string; attempts: number };
  /** The start-up purchase once done: base received (net of its fee), quote paid, fee in quote. */
  startBuy?: { base: string; quote: string; feeQuote: string };
  /** Sell levels left empty at the start because the base held did not cover them. */
  unfundedSells?: number;
}

/**
 * Base to buy for a shortfall: grossed up by this share, so that after the fee (charged in base
 * on OKX spot buys) the base received still covers the sells. Twice the regular-tier taker fee (0.1 %).
 */
export const BUY_FEE_ALLOWANCE = '0.002';
/** Attempts at the start-up purchase (a refused or empty one is retried on the next start). */
const MAX_BUY_ATTEMPTS = 3;

/** The account cannot fund the grid: names the currency, what is needed and what is there. */
export class GridFundingError extends ValidationError {
  constructor(
    field: string,
    readonly ccy: string,
    readonly needed: string,
    readonly available: string,
    problem: string,
    fix: string,
  ) {
    super(field, problem, fix);
  }
  /** needed - available, never negative. */
  get shortfall(): string {
    const s = dec(this.needed).minus(this.available);
    return fmt(s.gt(0) ? s : 0);
  }
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      field: this.field,
      ccy: this.ccy,
      needed: this.needed,
      available: this.available,
      shortfall: this.shortfall,
    };
  }
}

/** The purchase of missing base at the start of a grid, sized and priced from the ticker. */
export interface BaseBuyPlan {
  /** Base the sells still need. */
  shortfall: string;
  /** Order size: the shortfall plus the fee allowance, rounded up to the lot (at least minSz). */
  sz: string;
  /** IOC limit price: the ask plus the slippage allowance, on the tick. */
  px: string;
  /** The most quote the purchase can cost (sz x px). */
  maxQuote: string;
}

/**
 * Sizes and prices the start-up purchase: an IOC limit buy at most `slippagePct` above the ask
 * (within the order guard's band), for the shortfall grossed up by the fee allowance.
 */
export function planBaseBuy(
  shortfall: string,
  ask: string,
  slippagePct: string,
  inst: Pick<Instrument, 'tickSz' | 'lotSz' | 'minSz'>,
): BaseBuyPlan {
  let sz = toStep(dec(shortfall).mul(dec(1).plus(BUY_FEE_ALLOWANCE)), inst.lotSz, 'up');
  if (dec(sz).lt(inst.minSz)) sz = toStep(inst.minSz, inst.lotSz, 'up');
  const limit = dec(ask).mul(dec(1).plus(dec(slippagePct).div(100)));
  let px = toStep(limit, inst.tickSz, 'down');
  if (dec(px).lt(ask)) px = toStep(ask, inst.tickSz, 'up');
  return { shortfall: fmt(shortfall), sz, px, maxQuote: fmt(dec(sz).mul(px)) };
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
 * away: a buy filled at level i -> a sell at i+1 of the base it delivered (net of its fee, charged
 * in base); a sell filled at i -> a buy at i-1 sized to get the sold base back after the fee. A
 * fill that closes a round trip adds its profit to the realised grid profit: the quote gained,
 * both fees included in the currency they were charged in. With `buyMissingBase`, base the sells
 * lack is bought once at the start (an IOC limit near the ask) before the ladder is placed.
 */
export class GridStrategy implements Strategy<GridState> {
  readonly kind = 'grid' as const;
  readonly instId: string;
  constructor(readonly config: GridConfig) {
    this.instId = config.instId;
  }

  /** lower and upper as prices: relative ones ("-5%") against `last`, on the tick. */
  range(inst: Instrument, last: string): { lower: string; upper: string } {
    const c = this.config;
    const lower = isRelativePrice(c.lower)
      ? toStep(resolvePrice(c.lower, last), inst.tickSz, 'down')
      : c.lower;
    const upper = isRelativePrice(c.upper) ? toStep(resolvePrice(c.upper, last), inst.tickSz, 'up') : c.upper;
    if (dec(lower).gte(upper))
      throw new ValidationError(
        'lower',
        `resolves to ${lower}, not below upper ${upper} at the price ${last}`,
        'use a lower below upper',
      );
    return { lower, upper };
  }

  private plan(inst: Instrument, last: string): { prices: string[]; sizes: string[] } {
    const c = { ...this.config, ...this.range(inst, last) };
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
      // On contracts the investment is notional: contracts = notional / (price x contract value).
      sizes = prices.map((p) => toStep(perOrder.div(p).div(ctVal(inst)), inst.lotSz, 'down'));
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

  validate(inst: Instrument, ticker: Ticker): string[] {
    this.plan(inst, ticker.last);
    const { lower, upper } = this.range(inst, ticker.last);
    const px = dec(ticker.last);
    if (px.lt(lower) || px.gt(upper)) {
      const side = px.lt(lower) ? 'below' : 'above';
      return [
        `grid range ${lower}..${upper} does not contain the price ${ticker.last} (${side} it): every order is a ${side === 'below' ? 'sell' : 'buy'}, and the grid trades only once the price enters the range; use "lower": "-5%" / "upper": "+5%" for a range around the price`,
      ];
    }
    return [];
  }

  private get sizeField(): 'sizePerLevel' | 'investment' {
    return this.config.sizePerLevel !== undefined ? 'sizePerLevel' : 'investment';
  }

  init(
    ctx: StrategyContext,
    ticker: Ticker,
    balances: Balance[],
  ): { state: GridState; actions: BotAction[] } {
    const inst = ctx.instrument;
    if (isContract(inst)) return this.initContracts(inst, ticker);
    const { prices, sizes } = this.plan(inst, ticker.last);
    const skip = nearestLevel(prices, ticker.last);
    let needQuote = dec(0);
    let needBase = dec(0);
    prices.forEach((px, i) => {
      if (i < skip) needQuote = needQuote.plus(dec(px).mul(sizes[i]!));
      else if (i > skip) needBase = needBase.plus(sizes[i]!);
    });
    const avail = (ccy: string) => dec(balances.find((b) => b.ccy === ccy)?.availBal || '0');
    const haveQuote = avail(inst.quoteCcy);
    const haveBase = avail(inst.baseCcy);
    const field = this.sizeField;
    const state: GridState = {
      prices,
      sizes,
      realisedProfit: '0',
      completedPairs: 0,
      fills: 0,
      dropped: 0,
      startLevel: skip,
    };
    const shortfall = needBase.minus(haveBase);
    if (shortfall.gt(0) && this.config.buyMissingBase !== true) {
      throw new GridFundingError(
        'buyMissingBase',
        inst.baseCcy,
        fmt(needBase),
        fmt(haveBase),
        `the sell orders above the price need ${fmt(needBase)} ${inst.baseCcy} but ${fmt(haveBase)} is available (${fmt(shortfall)} ${inst.baseCcy} short)`,
        `set "buyMissingBase": true to buy the missing ${fmt(shortfall)} ${inst.baseCcy} once at the start, add ${inst.baseCcy}, lower ${field}, or move the range down`,
      );
    }
    const buy = shortfall.gt(0)
      ? planBaseBuy(
          fmt(shortfall),
          ticker.askPx || ticker.last,
          this.config.buySlippagePct ?? DEFAULT_BUY_SLIPPAGE_PCT,
          inst,
        )
      : undefined;
    const totalQuote = buy ? needQuote.plus(buy.maxQuote) : needQuote;
    if (haveQuote.lt(totalQuote)) {
      const what = buy
        ? `the buy orders need ${fmt(needQuote)} ${inst.quoteCcy} and buying the missing ${buy.sz} ${inst.baseCcy} (at most ${buy.px}) up to ${buy.maxQuote} more: ${fmt(totalQuote)} ${inst.quoteCcy} in all`
        : `the buy orders need ${fmt(needQuote)} ${inst.quoteCcy}`;
      throw new GridFundingError(
        field,
        inst.quoteCcy,
        fmt(totalQuote),
        fmt(haveQuote),
        `${what}, but ${fmt(haveQuote)} is available (${fmt(totalQuote.minus(haveQuote))} ${inst.quoteCcy} short)`,
        `lower ${field}, use fewer levels, or add ${inst.quoteCcy}`,
      );
    }
    if (buy) {
      state.buying = { needBase: fmt(needBase), heldBase: fmt(haveBase), attempts: 1 };
      return { state, actions: [this.baseBuy(buy)] };
    }
    return { state, actions: this.ladder(state, haveBase) };
  }

  /**
   * A grid on contracts. neutral: buys below and sells above from a flat position (each fill
   * opens or closes a little of a long or short). long: a long of the sells' total is opened at
   * the start (an IOC near the ask), so the sells above close it level by level; short: a short
   * of the buys' total is opened at the start (an IOC near the bid). Margin is the exchange's
   * check: an order it refuses for margin is reported and its level left empty.
   */
  private initContracts(inst: Instrument, ticker: Ticker): { state: GridState; actions: BotAction[] } {
    const { prices, sizes } = this.plan(inst, ticker.last);
    const skip = nearestLevel(prices, ticker.last);
    const state: GridState = {
      prices,
      sizes,
      realisedProfit: '0',
      completedPairs: 0,
      fills: 0,
      dropped: 0,
      startLevel: skip,
    };
    const direction = this.config.direction ?? 'neutral';
    if (direction === 'neutral') return { state, actions: this.ladder(state, dec(Infinity)) };
    let need = dec(0);
    prices.forEach((_px, i) => {
      if (direction === 'long' ? i > skip : i < skip) need = need.plus(sizes[i]!);
    });
    const slip = dec(this.config.buySlippagePct ?? DEFAULT_BUY_SLIPPAGE_PCT).div(100);
    const side = direction === 'long' ? 'buy' : 'sell';
    const ref = direction === 'long' ? ticker.askPx || ticker.last : ticker.bidPx || ticker.last;
    const px =
      side === 'buy'
        ? toStep(dec(ref).mul(dec(1).plus(slip)), inst.tickSz, 'down')
        : toStep(dec(ref).mul(dec(1).minus(slip)), inst.tickSz, 'up');
    state.buying = { needBase: fmt(need), heldBase: '0', attempts: 1 };
    return {
      state,
      actions: [
        {
          kind: 'place',
          intent: {
            instId: this.instId,
            side,
            ordType: 'ioc',
            px,
            sz: toStep(need, inst.lotSz, 'up'),
            tdMode: this.tdMode(),
          },
          meta: { role: 'buyBase', shortfall: fmt(need) },
        },
      ],
    };
  }

  /** Contracts trade in margin mode (cross unless the config says isolated); spot in cash. */
  private tdMode(): 'cash' | 'cross' | 'isolated' {
    return isContractId(this.instId) ? (this.config.tdMode ?? 'cross') : 'cash';
  }

  private baseBuy(plan: BaseBuyPlan): BotAction {
    return {
      kind: 'place',
      intent: { instId: this.instId, side: 'buy', ordType: 'ioc', px: plan.px, sz: plan.sz, tdMode: 'cash' },
      meta: { role: 'buyBase', shortfall: plan.shortfall },
    };
  }

  /**
   * The first ladder: buys below the start level, sells above it from the nearest up as far as
   * `heldBase` covers them (the rest are left empty and counted in unfundedSells).
   */
  private ladder(state: GridState, heldBase: Dec): BotAction[] {
    const skip = state.startLevel ?? 0;
    const actions: BotAction[] = [];
    let left = heldBase;
    let unfunded = 0;
    // A short grid's held position funds the buys below (they close it); every sell opens more.
    const shortGrid = this.config.direction === 'short';
    state.prices.forEach((_px, i) => {
      if (shortGrid) {
        if (i > skip) actions.push(this.order(i, 'sell', state.sizes[i]!, state.prices, {}));
        else if (i < skip) {
          const sz = dec(state.sizes[i]!);
          if (left.gte(sz)) {
            left = left.minus(sz);
            actions.push(this.order(i, 'buy', state.sizes[i]!, state.prices, {}));
          } else unfunded++;
        }
        return;
      }
      if (i < skip) actions.push(this.order(i, 'buy', state.sizes[i]!, state.prices, {}));
      else if (i > skip) {
        const sz = dec(state.sizes[i]!);
        if (left.gte(sz)) {
          left = left.minus(sz);
          actions.push(this.order(i, 'sell', state.sizes[i]!, state.prices, {}));
        } else unfunded++;
      }
    });
    if (unfunded) state.unfundedSells = unfunded;
    return actions;
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
      intent: { instId: this.instId, side, ordType: 'limit', px: prices[level]!, sz, tdMode: this.tdMode() },
      meta: { level, ...open },
    };
  }

  onTicker(ctx: StrategyContext, state: GridState, ticker: Ticker): BotAction[] {
    const b = state.buying;
    if (!b || ctx.openIntents().some((r) => r.meta.role === 'buyBase')) return [];
    // The start-up purchase ended without the base (refused, or the price ran away) and the bot
    // was started again: what it already received is in heldBase, so only the rest is bought.
    if (b.attempts >= MAX_BUY_ATTEMPTS || !(ticker.askPx || ticker.last)) return [];
    const rest = dec(b.needBase).minus(b.heldBase);
    if (rest.lte(0)) return this.finishBuying(state);
    b.attempts++;
    const inst = ctx.instrument;
    return [
      this.baseBuy(
        planBaseBuy(
          fmt(rest),
          ticker.askPx || ticker.last,
          this.config.buySlippagePct ?? DEFAULT_BUY_SLIPPAGE_PCT,
          inst,
        ),
      ),
    ];
  }

  private finishBuying(state: GridState): BotAction[] {
    const held = dec(state.buying!.heldBase);
    delete state.buying;
    return this.ladder(state, held);
  }

  private onBaseBought(ctx: StrategyContext, state: GridState, order: Order): BotAction[] {
    const inst = ctx.instrument;
    const b = state.buying;
    if (!b) return [];
    if (isContract(inst)) {
      const got = dec(order.accFillSz || '0');
      if (got.lte(0)) {
        throw new GridFundingError(
          'buySlippagePct',
          inst.instId,
          b.needBase,
          '0',
          `the start-up ${order.side} of ${order.sz} contracts at ${order.px} got nothing: the price moved past the limit`,
          'start the bot again to retry at the new price, or raise buySlippagePct',
        );
      }
      b.heldBase = fmt(dec(b.heldBase).plus(got));
      const f = flowsOf(order, inst);
      state.startBuy = { base: fmt(f.base), quote: fmt(f.quote), feeQuote: fmt(dec(order.fee || '0')) };
      state.realisedProfit = addTo(state.realisedProfit, dec(order.fee || '0'));
      return this.finishBuying(state);
    }
    const flows = orderFlows(order, inst);
    if (flows.base.lte(0)) {
      throw new GridFundingError(
        'buySlippagePct',
        inst.baseCcy,
        fmt(dec(b.needBase).minus(b.heldBase)),
        '0',
        `the start-up buy of ${order.sz} ${inst.baseCcy} at up to ${order.px} got nothing: the price moved above the limit`,
        'start the bot again to retry at the new price, or raise buySlippagePct',
      );
    }
    b.heldBase = fmt(dec(b.heldBase).plus(flows.base));
    const feeQ = feeInQuote(order.fee, order.feeCcy, inst.quoteCcy, flows.px);
    const prev = state.startBuy ?? { base: '0', quote: '0', feeQuote: '0' };
    state.startBuy = {
      base: fmt(dec(prev.base).plus(flows.base)),
      quote: addTo(prev.quote, flows.quote.neg()),
      feeQuote: addTo(prev.feeQuote, feeQ.neg()),
    };
    // The purchase's fee is a cost the grid has paid for good: it counts against realised profit.
    state.realisedProfit = addTo(state.realisedProfit, feeQ);
    return this.finishBuying(state);
  }

  onOrderDone(ctx: StrategyContext, state: GridState, order: Order, meta: IntentMeta): BotAction[] {
    if (meta.role === 'buyBase') return this.onBaseBought(ctx, state, order);
    const filled = dec(order.accFillSz || '0');
    if (filled.lte(0)) {
      state.dropped++;
      return [];
    }
    state.fills++;
    const inst = ctx.instrument;
    const level = Number(meta.level);
    const flows = flowsOf(order, inst);
    const px = flows.px;
    let open: IntentMeta = {};
    if (typeof meta.openQuote === 'string' && typeof meta.openBase === 'string') {
      // This fill closes a round trip: the quote both legs moved, fees included, plus any base
      // left over (lot rounding) valued at this fill's price.
      const profit = dec(meta.openQuote).plus(flows.quote).plus(dec(meta.openBase).plus(flows.base).mul(px));
      state.realisedProfit = addTo(state.realisedProfit, profit);
      state.completedPairs++;
    } else if (typeof meta.openPx === 'string') {
      // A round trip opened by an earlier version (no flows recorded): size x spread, net of both fees.
      const feeQ = feeInQuote(order.fee, order.feeCcy, inst.quoteCcy, px);
      const openPx = dec(meta.openPx);
      const spread = order.side === 'sell' ? dec(px).minus(openPx) : openPx.minus(px);
      const profit = spread
        .mul(filled)
        .plus(feeQ)
        .plus(dec(String(meta.openFeeQuote ?? '0')));
      state.realisedProfit = addTo(state.realisedProfit, profit);
      state.completedPairs++;
    } else {
      open = { openSide: order.side, openPx: px, openQuote: fmt(flows.quote), openBase: fmt(flows.base) };
    }
    const next = order.side === 'buy' ? level + 1 : level - 1;
    if (next < 0 || next >= state.prices.length) {
      state.dropped++;
      return [];
    }
    // A buy's counter sell sells the base the buy delivered (its fee was charged in base); a
    // sell's counter buy buys back the base sold, grossed up by the fee rate the sell paid.
    const sz = isContract(inst)
      ? toStep(filled, inst.lotSz, 'down')
      : order.side === 'buy'
        ? toStep(flows.base, inst.lotSz, 'down')
        : toStep(filled.div(dec(1).minus(paidFeeRate(order, inst))), inst.lotSz, 'up');
    if (dec(sz).lt(inst.minSz)) {
      state.dropped++;
      return [];
    }
    return [this.order(next, order.side === 'buy' ? 'sell' : 'buy', sz, state.prices, open)];
  }

  onRejected(ctx: StrategyContext, state: GridState, rec: IntentRecord, reason: string): BotAction[] {
    if (rec.meta.role === 'buyBase') {
      const inst = ctx.instrument;
      throw new GridFundingError(
        'buyMissingBase',
        inst.baseCcy,
        state.buying?.needBase ?? '0',
        state.buying?.heldBase ?? '0',
        `the start-up buy of ${rec.intent.sz} ${inst.baseCcy} at up to ${rec.intent.px} was refused: ${reason}`,
        'fix the cause and start the bot again (it retries the purchase), or add the base yourself',
      );
    }
    state.dropped++;
    return [];
  }

  metrics(ctx: StrategyContext, state: GridState, last: string): StrategyMetrics {
    let upl = dec(0);
    for (const r of ctx.openIntents()) {
      if (!last) continue;
      if (typeof r.meta.openQuote === 'string' && typeof r.meta.openBase === 'string') {
        // The open leg's quote plus its base at the last price: what closing now would realise, before the closing fee.
        upl = upl.plus(dec(r.meta.openQuote).plus(dec(r.meta.openBase).mul(last)));
      } else if (typeof r.meta.openPx === 'string') {
        const open = dec(r.meta.openPx);
        const sz = dec(r.intent.sz);
        upl = upl.plus(r.intent.side === 'sell' ? dec(last).minus(open).mul(sz) : open.minus(last).mul(sz));
      }
    }
    const inst = ctx.instrument;
    const notes: string[] = [];
    if (state.buying)
      notes.push(
        `buying ${fmt(dec(state.buying.needBase).minus(state.buying.heldBase))} ${inst.baseCcy} before the ladder`,
      );
    if (state.startBuy)
      notes.push(
        `bought ${state.startBuy.base} ${inst.baseCcy} at start for ${fmt(dec(state.startBuy.quote).toDecimalPlaces(4))} ${inst.quoteCcy} (fee ${fmt(dec(state.startBuy.feeQuote).toDecimalPlaces(4))})`,
      );
    if (state.unfundedSells)
      notes.push(`${state.unfundedSells} sell level(s) left empty: not enough ${inst.baseCcy}`);
    return {
      realisedPnl: state.realisedProfit,
      unrealisedPnl: fmt(upl.toDecimalPlaces(8)),
      detail:
        `${state.prices.length} levels ${state.prices[0]}..${state.prices[state.prices.length - 1]}, ${state.completedPairs} round trips` +
        (notes.length ? `; ${notes.join('; ')}` : ''),
    };
  }

  /** The backtest fast path: only the start-up purchase of base acts on prices. */
  wake(_ctx: StrategyContext, state: GridState): Wake {
    return state.buying ? { at: 0 } : {};
  }

  isDone(): boolean {
    return false;
  }
}
