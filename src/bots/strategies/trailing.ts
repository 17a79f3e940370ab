import { ValidationError } from '../../util/errors.js';
import { resolvePrice, type TrailingConfig } from '../config.js';
import { dec, feeInQuote, fmt, toStep } from '../money.js';
import { isContractId } from './contracts.js';
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

/** The persisted state of a trailing-stop bot: start price, whether the trail is armed and the peak since (decimal strings). */
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

  /** The stop on contracts: a reduce-only market order against the position (buy for a short). */
  private closeContracts(ctx: StrategyContext, state: TrailingState, _ticker: Ticker): BotAction[] {
    if (ctx.openIntents().length > 0) return [];
    const inst = ctx.instrument;
    const remaining = toStep(dec(this.config.size).minus(state.sold), inst.lotSz, 'down');
    if (dec(remaining).lt(inst.minSz)) {
      state.done = true;
      return [];
    }
    return [
      {
        kind: 'place',
        intent: {
          instId: this.instId,
          side: this.config.position === 'short' ? 'buy' : 'sell',
          ordType: 'market',
          sz: remaining,
          reduceOnly: true,
          tdMode: this.config.tdMode ?? 'cross',
        },
        meta: { role: 'stop' },
      },
    ];
  }

  validate(inst: Instrument, ticker: Ticker): string[] {
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
    const act = this.config.activationPx;
    if (act !== undefined && ticker.last) {
      const at = dec(resolvePrice(act, ticker.last));
      const away = at.minus(ticker.last).div(ticker.last).mul(100);
      if (away.abs().gt(10)) {
        return [
          `activationPx ${fmt(at)} is ${fmt(away.toDecimalPlaces(2))}% from the price ${ticker.last}: the stop does not follow the price until it reaches ${fmt(at)}; use e.g. "activationPx": "+2%" for a level relative to the price`,
        ];
      }
    }
    return [];
  }

  /** activationPx as a price: a relative one ("+2%") against the price at the first start. */
  private activationAt(state: TrailingState): string | undefined {
    const act = this.config.activationPx;
    if (act === undefined) return undefined;
    return resolvePrice(act, state.startPx);
  }

  init(
    ctx: StrategyContext,
    ticker: Ticker,
    balances: Balance[],
  ): { state: TrailingState; actions: BotAction[] } {
    const inst = ctx.instrument;
    const avail = dec(balances.find((b) => b.ccy === inst.baseCcy)?.availBal || '0');
    // A position in contracts is the exchange's to check (a reduce-only close cannot overshoot it).
    if (!isContractId(inst.instId) && avail.lt(this.config.size)) {
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
    // Guarding a short mirrors guarding a holding: follow the lowest price, buy back when the
    // price rises trailPct above it. `peak` holds the extreme in the position's favour.
    const short = c.position === 'short';
    if (!state.activated) {
      const at = this.activationAt(state);
      if (at !== undefined && (short ? px.gt(at) : px.lt(at))) return [];
      state.activated = true;
      state.peak = ticker.last;
    }
    if (!state.triggered) {
      if (short ? px.lt(state.peak) : px.gt(state.peak)) state.peak = ticker.last;
      const k = dec(c.trailPct).div(100);
      state.stopPx = fmt(dec(state.peak).mul(short ? dec(1).plus(k) : dec(1).minus(k)));
      if (short ? px.lt(state.stopPx) : px.gt(state.stopPx)) return [];
      state.triggered = true;
    }
    if (short || isContractId(this.instId)) return this.closeContracts(ctx, state, ticker);
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
      // Contracts count in coin (contracts x ctVal); a short's stop is a buy: what it paid, fees included.
      const mult = isContractId(this.instId) ? dec(inst.ctVal || '1') : dec(1);
      const short = this.config.position === 'short';
      const feeQ = feeInQuote(order.fee, order.feeCcy, inst.quoteCcy, px);
      const value = filled.mul(mult).mul(px);
      const got = short ? value.minus(feeQ) : value.plus(feeQ);
      state.sold = fmt(dec(state.sold).plus(filled));
      state.proceeds = fmt(dec(state.proceeds).plus(got));
      const coin = dec(state.sold).mul(mult);
      state.exitPx = fmt(dec(state.proceeds).div(coin).toSignificantDigits(12));
      const atStart = coin.mul(state.startPx);
      state.realisedPnl = fmt(
        (short ? atStart.minus(state.proceeds) : dec(state.proceeds).minus(atStart)).toDecimalPlaces(10),
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
    const mult = isContractId(this.instId) ? dec(_ctx.instrument.ctVal || '1') : dec(1);
    const move = last && state.startPx ? dec(last).minus(state.startPx) : dec(0);
    const upl = remaining.mul(mult).mul(this.config.position === 'short' ? move.neg() : move);
    const detail = state.done
      ? `sold ${state.sold} @ ${state.exitPx}`
      : state.activated
        ? `peak ${state.peak}, stop ${state.stopPx}${state.triggered ? ' (triggered)' : ''}`
        : `waiting for activation at ${this.activationAt(state)}`;
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
