import { ValidationError } from '../../util/errors.js';
import type { DcaConfig } from '../config.js';
import { addTo, D, dec, feeInQuote, fmt, orderFlows, paidFeeRate, toStep } from '../money.js';
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

/** The persisted state of a DCA bot: its current cycle, position and cost (decimal strings), kept across restarts. */
export interface DcaState {
  /** 1-based number of the current cycle. */
  cycle: number;
  cyclesDone: number;
  /** Base held by this cycle (after fees charged in base). */
  position: string;
  /** Quote paid for the position, fees included, so the average entry is net of fees. */
  cost: string;
  entries: number;
  safetyUsed: number;
  /** Price of the last filled entry; safety orders trigger on drops from it. */
  lastEntryPx: string;
  /** When the next scheduled buy is due (ms, exchange time). */
  nextBuyAt: number;
  realisedPnl: string;
  buys: number;
  done: boolean;
  /**
   * Highest fee rate (a fraction) this cycle's buys paid; the take-profit target assumes the sell
   * pays the same, so the cycle still clears takeProfitPct after both fees.
   */
  feeRate?: string;
  /** This cycle so far: fees paid (in quote), cost and proceeds of what the take profit sold. */
  cycleFees?: string;
  cycleSoldCost?: string;
  cyclePnl?: string;
  /** Fees paid by all cycles, in quote (base fees valued at their fill price). */
  feesPaid?: string;
  /** The last completed cycle. */
  lastCycle?: DcaCycleSummary;
}

/** What one completed cycle made. */
export interface DcaCycleSummary {
  cycle: number;
  entries: number;
  /** Quote paid for what was sold, buy fees included. */
  cost: string;
  /** Realised PnL in quote, net of the fees of the buys and the take profit. */
  pnl: string;
  /** pnl / cost in percent. */
  pnlPct: string;
  /** Fees of the cycle, in quote. */
  fees: string;
}

/**
 * The price a take-profit sell must reach so that the position, sold at it and paying `feeRate`
 * on the proceeds, returns its cost (buy fees included) plus takeProfitPct:
 * avg x (1 + tp/100) / (1 - feeRate), rounded up to the tick.
 */
export function dcaTakeProfitPrice(
  averageEntry: string,
  takeProfitPct: string,
  feeRate: string,
  tickSz: string,
): string {
  const gross = dec(averageEntry).mul(dec(1).plus(dec(takeProfitPct).div(100)));
  return toStep(gross.div(dec(1).minus(feeRate)), tickSz, 'up');
}

/** Average entry price (quote per base, fees included), "" with no position. */
export function dcaAverageEntry(s: DcaState): string {
  const pos = dec(s.position);
  return pos.gt(0) ? fmt(dec(s.cost).div(pos).toSignificantDigits(12)) : '';
}

/**
 * Dollar-cost averaging: buys a fixed quote amount every interval; optional safety orders buy
 * more when the price drops X% below the last entry; sells the whole position once the bid
 * reaches the take-profit price (Y% above the average entry after the fees paid on the buys and
 * the fee the sell will pay), never below that price, then starts a new cycle.
 */
export class DcaStrategy implements Strategy<DcaState> {
  readonly kind = 'dca' as const;
  readonly instId: string;
  constructor(readonly config: DcaConfig) {
    this.instId = config.instId;
  }

  validate(inst: Instrument, ticker: Ticker, balances?: Balance[]): string[] {
    const px = ticker.askPx || ticker.last;
    if (!px) return [];
    const minQuote = dec(inst.minSz).mul(px);
    if (dec(this.config.quoteAmount).lt(minQuote)) {
      throw new ValidationError(
        'quoteAmount',
        `${this.config.quoteAmount} ${inst.quoteCcy} buys less than the minimum order size ${inst.minSz} ${inst.baseCcy} at ${px}`,
        `set quoteAmount to at least ${fmt(minQuote.toSignificantDigits(3, D.ROUND_UP))}`,
      );
    }
    const avail = balances?.find((b) => b.ccy === inst.quoteCcy)?.availBal;
    if (avail !== undefined && dec(this.config.quoteAmount).gt(avail || '0')) {
      return [
        `quoteAmount ${this.config.quoteAmount} ${inst.quoteCcy} is more than the ${fmt(dec(avail || '0'))} ${inst.quoteCcy} available: every buy is refused until the account has it; lower quoteAmount or add ${inst.quoteCcy}`,
      ];
    }
    return [];
  }

  init(
    ctx: StrategyContext,
    ticker: Ticker,
    _balances: Balance[],
  ): { state: DcaState; actions: BotAction[] } {
    const state: DcaState = {
      cycle: 1,
      cyclesDone: 0,
      position: '0',
      cost: '0',
      entries: 0,
      safetyUsed: 0,
      lastEntryPx: '',
      nextBuyAt: ctx.now(),
      realisedPnl: '0',
      buys: 0,
      done: false,
    };
    return { state, actions: this.onTicker(ctx, state, ticker) };
  }

  private buy(
    ctx: StrategyContext,
    ticker: Ticker,
    quote: string,
    role: 'buy' | 'safety',
    state: DcaState,
  ): BotAction[] {
    const inst = ctx.instrument;
    const meta: IntentMeta = { role, cycle: state.cycle };
    if (this.config.orderType === 'market') {
      // Spot market buy sized in quote (tgtCcy quote_ccy): exactly the configured amount is spent.
      return [
        {
          kind: 'place',
          intent: {
            instId: this.instId,
            side: 'buy',
            ordType: 'market',
            sz: quote,
            tgtCcy: 'quote_ccy',
            tdMode: 'cash',
          },
          meta,
        },
      ];
    }
    const px = ticker.askPx || ticker.last;
    const sz = toStep(dec(quote).div(px), inst.lotSz, 'down');
    if (dec(sz).lt(inst.minSz)) return [];
    return [
      {
        kind: 'place',
        intent: {
          instId: this.instId,
          side: 'buy',
          ordType: 'limit',
          px: toStep(px, inst.tickSz, 'up'),
          sz,
          tdMode: 'cash',
        },
        meta,
      },
    ];
  }

  onTicker(ctx: StrategyContext, state: DcaState, ticker: Ticker): BotAction[] {
    if (state.done || !ticker.last) return [];
    const c = this.config;
    const inst = ctx.instrument;
    const open = ctx.openIntents();
    const now = ctx.now();
    const pos = dec(state.position);
    const last = dec(ticker.last);
    if (open.some((r) => r.meta.role === 'tp')) return [];

    const avg = dcaAverageEntry(state);
    const tpPx = avg ? dcaTakeProfitPrice(avg, c.takeProfitPct, state.feeRate ?? '0', inst.tickSz) : '';
    const bid = ticker.bidPx || ticker.last;
    if (tpPx && dec(bid).gte(tpPx)) {
      const sz = toStep(pos, inst.lotSz, 'down');
      if (dec(sz).gte(inst.minSz)) {
        const actions: BotAction[] = open
          .filter((r) => r.status === 'live')
          .map((r) => ({ kind: 'cancel', clOrdId: r.clOrdId }));
        const meta: IntentMeta = { role: 'tp', cycle: state.cycle, tpPx };
        // Never below the take-profit price: a market sell could slip under it (a thin book), so
        // "market" sells with an IOC limit at that price (whatever does not fill stays in the
        // position for the next try), "limit" with a limit at the bid.
        const floorBid = toStep(bid, inst.tickSz, 'down');
        const px = c.orderType === 'market' ? tpPx : dec(floorBid).gt(tpPx) ? floorBid : tpPx;
        actions.push({
          kind: 'place',
          intent: {
            instId: this.instId,
            side: 'sell',
            ordType: c.orderType === 'market' ? 'ioc' : 'limit',
            px,
            sz,
            tdMode: 'cash',
          },
          meta,
        });
        return actions;
      }
    }
    if (open.length > 0) return [];

    const so = c.safetyOrders;
    if (so && pos.gt(0) && state.safetyUsed < so.count && state.lastEntryPx) {
      const trigger = dec(state.lastEntryPx).mul(dec(1).minus(dec(so.dropPct).div(100)));
      if (last.lte(trigger)) {
        const quote = dec(c.quoteAmount)
          .mul(dec(so.sizeMultiplier).pow(state.safetyUsed + 1))
          .toDecimalPlaces(8, D.ROUND_DOWN);
        const actions = this.buy(ctx, ticker, fmt(quote), 'safety', state);
        // Counted when placed, so a refused safety order is not retried on every tick.
        if (actions.length) state.safetyUsed++;
        return actions;
      }
    }
    if (now >= state.nextBuyAt) {
      if (c.maxCycles !== undefined && state.cyclesDone >= c.maxCycles) {
        state.done = true;
        return [];
      }
      // Never faster than the interval: a late buy (a restart, a stalled feed) pushes the next one
      // back rather than letting two buys land seconds apart.
      state.nextBuyAt = now + c.intervalSec * 1000;
      return this.buy(ctx, ticker, c.quoteAmount, 'buy', state);
    }
    return [];
  }

  onOrderDone(ctx: StrategyContext, state: DcaState, order: Order, meta: IntentMeta): BotAction[] {
    const inst = ctx.instrument;
    const filled = dec(order.accFillSz || '0');
    if (filled.lte(0)) return [];
    const px = order.avgPx || order.px;
    // Fees in the currency OKX charged them in (buys: base, sells: quote), valued in quote here.
    const feeQ = feeInQuote(order.fee, order.feeCcy, inst.quoteCcy, px).neg();
    state.feesPaid = addTo(state.feesPaid, feeQ);
    state.cycleFees = addTo(state.cycleFees, feeQ);
    if (meta.role === 'tp') {
      const pos = dec(state.position);
      const share = filled.gte(pos) ? dec(1) : filled.div(pos);
      const costPart = dec(state.cost).mul(share);
      const proceeds = filled.mul(px).minus(feeQ);
      const profit = proceeds.minus(costPart);
      state.realisedPnl = addTo(state.realisedPnl, profit);
      state.cyclePnl = addTo(state.cyclePnl, profit);
      state.cycleSoldCost = addTo(state.cycleSoldCost, costPart);
      state.position = fmt(pos.minus(filled).gt(0) ? pos.minus(filled) : 0);
      state.cost = addTo(state.cost, costPart.neg());
      // Filled, or canceled with only dust below the minimum order size left: the cycle is over.
      if (order.state === 'filled' || dec(state.position).lt(inst.minSz)) {
        const cost = dec(state.cycleSoldCost);
        const pnl = dec(state.cyclePnl);
        state.lastCycle = {
          cycle: state.cycle,
          entries: state.entries,
          cost: fmt(cost.toDecimalPlaces(8)),
          pnl: fmt(pnl.toDecimalPlaces(8)),
          pnlPct: cost.gt(0) ? fmt(pnl.div(cost).mul(100).toDecimalPlaces(4, D.ROUND_DOWN)) : '0',
          fees: fmt(dec(state.cycleFees).toDecimalPlaces(8)),
        };
        // The position is sold: a new cycle starts now; leftover dust below the lot size rolls into it.
        state.cyclesDone++;
        state.cycle++;
        state.entries = 0;
        state.safetyUsed = 0;
        state.lastEntryPx = '';
        state.nextBuyAt = ctx.now();
        state.feeRate = '0';
        state.cycleFees = '0';
        state.cyclePnl = '0';
        state.cycleSoldCost = '0';
        if (this.config.maxCycles !== undefined && state.cyclesDone >= this.config.maxCycles)
          state.done = true;
      }
      return [];
    }
    const rate = paidFeeRate(order, inst);
    if (rate.gt(state.feeRate ?? '0')) state.feeRate = fmt(rate.toSignificantDigits(12, D.ROUND_UP));
    // What the buy moved, its fee included in the currency it was charged in.
    const flows = orderFlows(order, inst);
    state.position = fmt(dec(state.position).plus(flows.base));
    state.cost = addTo(state.cost, flows.quote.neg());
    state.entries++;
    state.buys++;
    state.lastEntryPx = px;
    return [];
  }

  onRejected(_ctx: StrategyContext, _state: DcaState, _rec: IntentRecord, _reason: string): BotAction[] {
    return [];
  }

  metrics(ctx: StrategyContext, state: DcaState, last: string): StrategyMetrics {
    const upl = last ? dec(state.position).mul(last).minus(state.cost) : dec(0);
    const avg = dcaAverageEntry(state);
    const q = ctx.instrument.quoteCcy;
    const tpPx = avg
      ? dcaTakeProfitPrice(avg, this.config.takeProfitPct, state.feeRate ?? '0', ctx.instrument.tickSz)
      : '';
    const lc = state.lastCycle;
    return {
      realisedPnl: state.realisedPnl,
      unrealisedPnl: fmt(upl.toDecimalPlaces(8)),
      detail:
        `cycle ${state.cycle} (${state.cyclesDone} done), ${state.entries} entries, ${state.safetyUsed} safety, position ${state.position}` +
        (avg ? ` @ ${dec(avg).toSignificantDigits(8).toFixed()}, take profit at ${tpPx}` : '') +
        (lc
          ? `; last cycle ${lc.cycle}: ${dec(lc.pnl).gte(0) ? '+' : ''}${dec(lc.pnl).toFixed(4)} ${q} (${dec(lc.pnlPct).toFixed(2)} % net of ${dec(lc.fees).toFixed(4)} ${q} fees)`
          : ''),
    };
  }

  /**
   * The backtest fast path: the next time or price at which onTicker can act (the take profit
   * above, the next safety order below, the next scheduled buy). Compared with the last price,
   * which is at least the bid, so the take-profit bound wakes at or before the bid reaches it.
   */
  wake(ctx: StrategyContext, state: DcaState): Wake {
    if (state.done) return {};
    const open = ctx.openIntents();
    if (open.some((r) => r.meta.role === 'tp')) return {};
    const w: Wake = {};
    const avg = dcaAverageEntry(state);
    if (avg) {
      const tp = dcaTakeProfitPrice(
        avg,
        this.config.takeProfitPct,
        state.feeRate ?? '0',
        ctx.instrument.tickSz,
      );
      w.above = Number(tp) * (1 - 1e-9);
    }
    if (open.length > 0) return w;
    const so = this.config.safetyOrders;
    if (so && dec(state.position).gt(0) && state.safetyUsed < so.count && state.lastEntryPx) {
      const trigger = dec(state.lastEntryPx).mul(dec(1).minus(dec(so.dropPct).div(100)));
      w.below = Number(trigger) * (1 + 1e-9);
    }
    w.at = state.nextBuyAt;
    return w;
  }

  isDone(state: DcaState): boolean {
    return state.done;
  }
}
