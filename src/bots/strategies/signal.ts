import { bollinger, ema, roc } from '../indicators.js';
import type { BollingerConfig, EmaCrossConfig, MomentumConfig, SignalConfig } from '../config.js';
import { addTo, dec, fmt, orderFlows, toStep } from '../money.js';
import type {
  Balance,
  BotAction,
  BotKind,
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
import { ValidationError } from '../../util/errors.js';

/** What a signal strategy keeps between runs (in the bot's state store): its sampled closes and position. */
export interface SignalState {
  /** Sampled closes, oldest first (the last `lookback`). */
  closes: number[];
  /** When the next close is sampled (ms, exchange time). */
  nextSampleAt: number;
  /** Base held by the strategy (after fees charged in base). */
  position: string;
  /** Quote paid for the position, fees included. */
  cost: string;
  realisedPnl: string;
  entries: number;
  exits: number;
  lastSignal: string;
}

/** A signal strategy's answer on a bar close: go long ('enter'), go flat ('exit'), or stay as is (null). */
export type Signal = 'enter' | 'exit' | null;

/**
 * The base of the signal strategies: it samples the price once per bar (the first price at or
 * after each bar boundary, so the same closes come out live and in a backtest), asks `signal`
 * whether to be in the market, and goes long with `quoteAmount` (a market buy sized in quote) or
 * sells the whole position (a market sell). Write a strategy by extending it and implementing
 * `signal` (see docs/STRATEGIES.md); the runner, the backtester and the risk layer do the rest.
 */
export abstract class SignalStrategy<C extends SignalConfig = SignalConfig> implements Strategy<SignalState> {
  abstract readonly kind: BotKind;
  readonly instId: string;
  /** How many closes `signal` looks at (older ones are dropped from the state). */
  abstract readonly lookback: number;

  constructor(readonly config: C) {
    this.instId = config.instId;
  }

  /** Decide on the closes so far (oldest first, newest last) whether to enter, exit or hold. */
  abstract signal(closes: readonly number[], holding: boolean): Signal;

  private barMs(): number {
    return this.config.barSec * 1000;
  }

  validate(inst: Instrument, ticker: Ticker): void {
    const px = ticker.askPx || ticker.last;
    if (!px) return;
    const minQuote = dec(inst.minSz).mul(px);
    if (dec(this.config.quoteAmount).lt(minQuote))
      throw new ValidationError(
        'quoteAmount',
        `${this.config.quoteAmount} ${inst.quoteCcy} buys less than the minimum order size ${inst.minSz} ${inst.baseCcy} at ${px}`,
        `set quoteAmount to at least ${fmt(minQuote.toSignificantDigits(3))}`,
      );
  }

  init(
    ctx: StrategyContext,
    _ticker: Ticker,
    _balances: Balance[],
  ): { state: SignalState; actions: BotAction[] } {
    const bar = this.barMs();
    return {
      state: {
        closes: [],
        nextSampleAt: (Math.floor(ctx.now() / bar) + 1) * bar,
        position: '0',
        cost: '0',
        realisedPnl: '0',
        entries: 0,
        exits: 0,
        lastSignal: '',
      },
      actions: [],
    };
  }

  private holding(ctx: StrategyContext, s: SignalState): boolean {
    return dec(s.position).gte(ctx.instrument.minSz);
  }

  onTicker(ctx: StrategyContext, s: SignalState, ticker: Ticker): BotAction[] {
    const now = ctx.now();
    if (now < s.nextSampleAt || !ticker.last) return [];
    const bar = this.barMs();
    s.nextSampleAt = (Math.floor(now / bar) + 1) * bar;
    s.closes.push(Number(ticker.last));
    if (s.closes.length > this.lookback) s.closes.splice(0, s.closes.length - this.lookback);
    if (ctx.openIntents().length > 0) return [];
    const holding = this.holding(ctx, s);
    const sig = this.signal(s.closes, holding);
    if (sig) s.lastSignal = sig;
    const meta: IntentMeta = { role: sig ?? '' };
    if (sig === 'enter' && !holding) {
      return [
        {
          kind: 'place',
          intent: {
            instId: this.instId,
            side: 'buy',
            ordType: 'market',
            sz: this.config.quoteAmount,
            tgtCcy: 'quote_ccy',
            tdMode: 'cash',
          },
          meta,
        },
      ];
    }
    if (sig === 'exit' && holding) {
      const sz = toStep(s.position, ctx.instrument.lotSz, 'down');
      return [
        {
          kind: 'place',
          intent: {
            instId: this.instId,
            side: 'sell',
            ordType: 'market',
            sz,
            tgtCcy: 'base_ccy',
            tdMode: 'cash',
          },
          meta,
        },
      ];
    }
    return [];
  }

  onOrderDone(ctx: StrategyContext, s: SignalState, order: Order, _meta: IntentMeta): BotAction[] {
    const filled = dec(order.accFillSz || '0');
    if (filled.lte(0)) return [];
    const flows = orderFlows(order, ctx.instrument);
    if (order.side === 'buy') {
      s.position = fmt(dec(s.position).plus(flows.base));
      s.cost = addTo(s.cost, flows.quote.neg());
      s.entries++;
    } else {
      const pos = dec(s.position);
      const share = filled.gte(pos) ? dec(1) : filled.div(pos);
      const costPart = dec(s.cost).mul(share);
      s.realisedPnl = addTo(s.realisedPnl, flows.quote.minus(costPart));
      s.position = fmt(pos.minus(filled).gt(0) ? pos.minus(filled) : 0);
      s.cost = addTo(s.cost, costPart.neg());
      s.exits++;
    }
    return [];
  }

  onRejected(_ctx: StrategyContext, _s: SignalState, _rec: IntentRecord, _reason: string): BotAction[] {
    return [];
  }

  metrics(_ctx: StrategyContext, s: SignalState, last: string): StrategyMetrics {
    const upl = last ? dec(s.position).mul(last).minus(s.cost) : dec(0);
    return {
      realisedPnl: s.realisedPnl,
      unrealisedPnl: fmt(upl.toDecimalPlaces(8)),
      detail: `${s.entries} entries, ${s.exits} exits, position ${s.position}, ${s.closes.length} closes sampled${s.lastSignal ? `, last signal ${s.lastSignal}` : ''}`,
    };
  }

  /** The backtest fast path: nothing happens before the next bar boundary. */
  wake(_ctx: StrategyContext, s: SignalState): Wake {
    return { at: s.nextSampleAt };
  }

  isDone(): boolean {
    return false;
  }
}

/** Trend following: long when the fast EMA crosses above the slow one, flat when it crosses below. */
export class EmaCrossStrategy extends SignalStrategy<EmaCrossConfig> {
  readonly kind = 'ema-cross' as const;
  get lookback(): number {
    // Enough history for the slow EMA to forget its seed.
    return this.config.slow * 4;
  }
  signal(closes: readonly number[]): Signal {
    if (closes.length < this.config.slow + 1) return null;
    const f = ema(closes, this.config.fast);
    const s = ema(closes, this.config.slow);
    const i = closes.length - 1;
    if (f[i - 1]! <= s[i - 1]! && f[i]! > s[i]!) return 'enter';
    if (f[i - 1]! >= s[i - 1]! && f[i]! < s[i]!) return 'exit';
    return null;
  }
}

/** Mean reversion: buy a close below the lower Bollinger band, sell once it is back at the middle band. */
export class BollingerStrategy extends SignalStrategy<BollingerConfig> {
  readonly kind = 'bollinger' as const;
  get lookback(): number {
    return this.config.period;
  }
  signal(closes: readonly number[], holding: boolean): Signal {
    if (closes.length < this.config.period) return null;
    const b = bollinger(closes, this.config.period, this.config.k);
    const i = closes.length - 1;
    const c = closes[i]!;
    if (!holding && c < b.lower[i]!) return 'enter';
    if (holding && c >= b.mid[i]!) return 'exit';
    return null;
  }
}

/** Momentum: long while the price rose more than thresholdPct over `period` bars, flat once the change turns negative. */
export class MomentumStrategy extends SignalStrategy<MomentumConfig> {
  readonly kind = 'momentum' as const;
  get lookback(): number {
    return this.config.period + 1;
  }
  signal(closes: readonly number[], holding: boolean): Signal {
    if (closes.length <= this.config.period) return null;
    const r = roc(closes, this.config.period)[closes.length - 1]!;
    if (!holding && r > this.config.thresholdPct) return 'enter';
    if (holding && r < 0) return 'exit';
    return null;
  }
}
