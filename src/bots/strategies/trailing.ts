import { ValidationError } from '../../util/errors.js';
import type { TrailingConfig } from '../config.js';
import { dec, feeInQuote, fmt, toStep } from '../money.js';
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

export interface TrailingState {
  /** Price when the bot started: the reference for its PnL. */
  startPx: string;
  activated: boolean;
  /** Highest price since activation. */
  peak: string;
  /** Set once the price fell trailPct below the peak; from then on the holding is sold whatever the price does. */
  triggered: boolean;
  stopPx: string;
  sold: string;
  proceeds: string;
  exitPx: string;
  realisedPnl: string;
  done: boolean;
}

/**
 * Trailing stop, without OKX's native algo orders: follows the highest price since the start (or
 * since the activation price was reached) and sells the holding when the price falls trailPct
 * below that peak.
 */
export class TrailingStopStrategy implements Strategy<TrailingState> {
  readonly kind = 'trailing' as const;
  readonly instId: string;
  constructor(readonly config: TrailingConfig) {
    this.instId = config.instId;
  }

  validate(inst: Instrument, _ticker: Ticker): void {
    if (dec(this.config.size).lt(inst.minSz)) {
      throw new ValidationError(
        'size',
        `${this.config.size} is below the minimum order size ${inst.minSz} of ${inst.instId}`,
        `set size to at least ${inst.minSz}`,
      );
    }
    if (toStep(this.config.size, inst.lotSz, 'down') !== toStep(this.config.size, inst.lotSz, 'up')) {
      throw new ValidationError(
        'size',
        `${this.config.size} is not a multiple of the lot size ${inst.lotSz}`,
        `use ${toStep(this.config.size, inst.lotSz, 'down')}`,
      );
    }
  }

  init(
    ctx: StrategyContext,
    ticker: Ticker,
    balances: Balance[],
  ): { state: TrailingState; actions: BotAction[] } {
    const inst = ctx.instrument;
    const avail = dec(balances.find((b) => b.ccy === inst.baseCcy)?.availBal || '0');
    if (avail.lt(this.config.size)) {
      throw new ValidationError(
        'size',
        `the bot guards ${this.config.size} ${inst.baseCcy} but ${fmt(avail)} is available`,
        `set size to at most ${fmt(avail)} or add ${inst.baseCcy}`,
      );
    }
    const state: TrailingState = {
      startPx: ticker.last,
      activated: false,
      peak: '',
      triggered: false,
      stopPx: '',
      sold: '0',
      proceeds: '0',
      exitPx: '',
      realisedPnl: '0',
      done: false,
    };
    return { state, actions: this.onTicker(ctx, state, ticker) };
  }

  onTicker(ctx: StrategyContext, state: TrailingState, ticker: Ticker): BotAction[] {
    if (state.done || !ticker.last) return [];
    const c = this.config;
    const px = dec(ticker.last);
    if (!state.activated) {
      if (c.activationPx !== undefined && px.lt(c.activationPx)) return [];
      state.activated = true;
      state.peak = ticker.last;
    }
    if (!state.triggered) {
      if (px.gt(state.peak)) state.peak = ticker.last;
      state.stopPx = fmt(dec(state.peak).mul(dec(1).minus(dec(c.trailPct).div(100))));
      if (px.gt(state.stopPx)) return [];
      state.triggered = true;
    }
    if (ctx.openIntents().length > 0) return [];
    const inst = ctx.instrument;
    const remaining = toStep(dec(c.size).minus(state.sold), inst.lotSz, 'down');
    if (dec(remaining).lt(inst.minSz)) {
      state.done = true;
      return [];
    }
    const meta: IntentMeta = { role: 'stop' };
    if (c.orderType === 'market') {
      return [
        {
          kind: 'place',
          intent: {
            instId: this.instId,
            side: 'sell',
            ordType: 'market',
            sz: remaining,
            tgtCcy: 'base_ccy',
            tdMode: 'cash',
          },
          meta,
        },
      ];
    }
    // Aggressive limit: priced through the bid so it executes now, but never below the chosen slippage.
    const limit = toStep(
      dec(ticker.bidPx || ticker.last).mul(dec(1).minus(dec(c.limitSlippagePct).div(100))),
      inst.tickSz,
      'down',
    );
    return [
      {
        kind: 'place',
        intent: {
          instId: this.instId,
          side: 'sell',
          ordType: 'limit',
          px: limit,
          sz: remaining,
          tdMode: 'cash',
        },
        meta,
      },
    ];
  }

  onOrderDone(ctx: StrategyContext, state: TrailingState, order: Order, _meta: IntentMeta): BotAction[] {
    const filled = dec(order.accFillSz || '0');
    if (filled.gt(0)) {
      const px = order.avgPx || order.px;
      const inst = ctx.instrument;
      const got = filled.mul(px).plus(feeInQuote(order.fee, order.feeCcy, inst.quoteCcy, px));
      state.sold = fmt(dec(state.sold).plus(filled));
      state.proceeds = fmt(dec(state.proceeds).plus(got));
      state.exitPx = fmt(dec(state.proceeds).div(state.sold).toSignificantDigits(12));
      state.realisedPnl = fmt(
        dec(state.proceeds).minus(dec(state.sold).mul(state.startPx)).toDecimalPlaces(10),
      );
      const remaining = dec(this.config.size).minus(state.sold);
      if (remaining.lt(inst.minSz)) state.done = true;
    }
    return [];
  }

  onRejected(_ctx: StrategyContext, _state: TrailingState, _rec: IntentRecord, _reason: string): BotAction[] {
    return [];
  }

  metrics(_ctx: StrategyContext, state: TrailingState, last: string): StrategyMetrics {
    const remaining = dec(this.config.size).minus(state.sold);
    const upl = last && state.startPx ? remaining.mul(dec(last).minus(state.startPx)) : dec(0);
    const detail = state.done
      ? `sold ${state.sold} @ ${state.exitPx}`
      : state.activated
        ? `peak ${state.peak}, stop ${state.stopPx}${state.triggered ? ' (triggered)' : ''}`
        : `waiting for activation at ${this.config.activationPx}`;
    return { realisedPnl: state.realisedPnl, unrealisedPnl: fmt(upl.toDecimalPlaces(8)), detail };
  }

  /**
   * The backtest fast path: before activation, the activation price; while trailing, a new peak
   * above or the stop below; once triggered, every price.
   */
  wake(_ctx: StrategyContext, state: TrailingState): Wake {
    if (state.done) return {};
    if (!state.activated) {
      return this.config.activationPx !== undefined
        ? { above: Number(this.config.activationPx) * (1 - 1e-9) }
        : { at: 0 };
    }
    if (state.triggered || !state.stopPx) return { at: 0 };
    return { above: Number(state.peak), below: Number(state.stopPx) * (1 + 1e-9) };
  }

  isDone(state: TrailingState): boolean {
    return state.done;
  }
}
