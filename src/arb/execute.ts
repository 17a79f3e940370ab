import { Decimal } from 'decimal.js';
import type { AlertInput } from '../trading/alerts.js';
import type { AuditSink } from '../trading/audit.js';
import type { ExchangePort, Instrument, Order, OrderIntent, Side } from '../trading/exchange-port.js';
import { OPEN_STATES } from '../trading/exchange-port.js';
import { realSleep, systemClock, type Clock, type Sleep } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import type { BookView, Opportunity, PlannedLeg } from './types.js';
import { midOf } from './walk.js';

/** What became of one order of a run. */
export interface LegResult {
  venue: string;
  instId: string;
  side: Side;
  clOrdId: string;
  /** Asked, base units. */
  sz: string;
  px: string;
  /** Filled, base units. */
  filled: string;
  avgPx: string;
  fee: string;
  feeCcy: string;
  state: string;
  /** Set when the placement failed (refused by the guard or the exchange). */
  error?: string;
  /** performance.now() when the order was handed to the venue's port (guard and journal next). */
  sentPerf?: number;
  /** performance.now() when the port answered. */
  ackPerf?: number;
}

export type RunStatus = 'done' | 'skipped' | 'unwound' | 'over-budget';

export interface ArbRun {
  id: string;
  opportunity: string;
  status: RunStatus;
  /** Why skipped, or what failed. */
  reason?: string;
  legs: LegResult[];
  unwind: LegResult[];
  /** Net change per venue and currency after everything (venue:ccy -> amount). */
  deltas: Record<string, number>;
  /** Everything valued in the opportunity's currency at the detection mids. */
  pnl: number;
  /** max(0, -pnl). */
  loss: number;
  lossBudget: number;
  /** Detection to the first order handed to the venue (ms); undefined when nothing was sent. */
  detectToOrderMs?: number;
}

export interface ArbBotOptions {
  /** 1 to 12 letters or digits; starts every clOrdId the bot sends. */
  id: string;
  /** The port per venue: a SafeExchange (guard + journal) in production. */
  venues: Record<string, ExchangePort>;
  /** The current view of a book, for pricing an unwind. */
  books: (venue: string, instId: string) => BookView | undefined;
  /** Taker fee per venue (fraction), as the engine used. */
  takerFee: Record<string, number>;
  /** No trade on a book older than this (ms). */
  latencyBudgetMs: number;
  /** Largest loss of one run, in the opportunity's currency, the unwind may realise. */
  lossBudget: number;
  /** Least profit worth a run, in the opportunity's currency. Default 0. */
  minProfit?: number;
  /** Extra room on each IOC leg's limit beyond the worst level seen, bps. Default 0. */
  slippageBps?: number;
  alerts?: { emit(a: AlertInput): unknown };
  audit?: AuditSink;
  /** Hears each order's outcome as it happens (legs and unwind orders). */
  onOrder?: (r: LegResult, phase: 'leg' | 'unwind') => void;
  clock?: Clock;
  /** Waits between lookups of an order that is still open after an IOC. */
  sleep?: Sleep;
}

const ID_RE = /^[A-Za-z0-9]{1,12}$/;

/**
 * Executes arbitrage opportunities (a triangular cycle on one venue, a pair across two) leg by
 * leg with IOC orders, riskiest leg first, each through the venue's port (the guard and the
 * journal when it is a SafeExchange). A leg that fills partly or not at all stops the run and
 * starts the unwind: every currency left over is traded back to the opportunity's currency with
 * IOC orders priced so the whole run can lose at most `lossBudget` (docs/ARBITRAGE.md). What the
 * budget cannot cover stays open: the bot halts, alerts and audits, and trades no more until
 * `resume()`.
 */
export class ArbBot {
  private readonly o: ArbBotOptions;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly instruments = new Map<string, Instrument>();
  private seq = 0;
  private halt: string | undefined;
  readonly runs: ArbRun[] = [];

  constructor(opts: ArbBotOptions) {
    if (!ID_RE.test(opts.id))
      throw new ValidationError('id', `"${opts.id}" is not a bot id`, 'use 1 to 12 letters or digits');
    if (!(opts.lossBudget >= 0))
      throw new ValidationError('lossBudget', `${opts.lossBudget} is not a non-negative amount`, 'e.g. 5');
    if (!(opts.latencyBudgetMs > 0))
      throw new ValidationError('latencyBudgetMs', `${opts.latencyBudgetMs} is not positive`, 'e.g. 500');
    this.o = opts;
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? realSleep;
  }

  get haltReason(): string | undefined {
    return this.halt;
  }

  /** Clears a halt after a human has dealt with what was left open. */
  resume(): void {
    this.halt = undefined;
  }

  /** The order legs are sent in: the thinnest book first (least covered by its best level). */
  static legOrder(opp: Opportunity): number[] {
    return opp.legs.map((_, i) => i).sort((a, b) => opp.legs[a]!.topCover - opp.legs[b]!.topCover || a - b);
  }

  async execute(opp: Opportunity): Promise<ArbRun> {
    const runId = `${this.o.id}${opp.detectedAt.toString(36)}${(this.seq++ % 1296).toString(36).padStart(2, '0')}`;
    const run: ArbRun = {
      id: runId,
      opportunity: opp.id,
      status: 'skipped',
      legs: [],
      unwind: [],
      deltas: {},
      pnl: 0,
      loss: 0,
      lossBudget: this.o.lossBudget,
    };
    const skip = (reason: string) => {
      run.reason = reason;
      this.runs.push(run);
      return run;
    };
    if (this.halt) return skip(`halted: ${this.halt}`);
    const age = opp.maxAgeMs + Math.max(0, this.clock.now() - opp.detectedAt);
    if (age > this.o.latencyBudgetMs)
      return skip(`stale: a book is ${Math.round(age)} ms old, over the ${this.o.latencyBudgetMs} ms budget`);
    if (!(opp.profit > (this.o.minProfit ?? 0))) return skip('no profit at any size');
    for (const l of opp.legs) if (!this.o.venues[l.venue]) return skip(`no port for venue ${l.venue}`);

    const order = ArbBot.legOrder(opp);
    const plan = await Promise.all(order.map((i) => this.intent(opp.legs[i]!, `${runId}${i}`)));
    if (plan.some((p) => p === undefined)) return skip('a leg is below the instrument minimum size');
    for (const p of plan) {
      const res = await this.send(p!.leg.venue, p!.intent);
      if (run.detectToOrderMs === undefined && res.sentPerf !== undefined)
        run.detectToOrderMs = res.sentPerf - opp.detectedPerf;
      run.legs.push(res);
      this.o.onOrder?.(res, 'leg');
      if (!(Number(res.filled) >= Number(p!.intent.sz) * (1 - 1e-9))) {
        run.reason = res.error
          ? `${res.instId} ${res.side} failed: ${res.error}`
          : `${res.instId} ${res.side} filled ${res.filled} of ${res.sz}`;
        break;
      }
    }
    this.account(run, run.legs);
    if (run.legs.length === opp.legs.length && !run.reason) {
      run.status = 'done';
    } else {
      await this.unwind(opp, run);
    }
    run.pnl = this.value(opp, run.deltas);
    run.loss = Math.max(0, -run.pnl);
    this.runs.push(run);
    await this.o.audit?.append({
      action: 'arb.run',
      why: run.reason ?? 'opportunity executed',
      details: {
        run: run.id,
        opportunity: opp.id,
        status: run.status,
        edgeBps: round(opp.edgeBps, 2),
        legs: run.legs.map(({ sentPerf: _s, ackPerf: _a, ...l }) => l),
        unwind: run.unwind.map(({ sentPerf: _s, ackPerf: _a, ...l }) => l),
        pnl: round(run.pnl, 8),
        lossBudget: this.o.lossBudget,
      },
    });
    return run;
  }

  /** A leg as an IOC intent: size rounded down to the lot, limit at the worst level plus room. */
  private async intent(
    leg: PlannedLeg,
    clOrdId: string,
  ): Promise<{ leg: PlannedLeg; intent: OrderIntent } | undefined> {
    const inst = await this.instrument(leg.venue, leg.instId);
    const sz = new Decimal(leg.sz).toDecimalPlaces(
      new Decimal(inst.lotSz).decimalPlaces(),
      Decimal.ROUND_DOWN,
    );
    if (sz.lt(inst.minSz)) return undefined;
    const room = (this.o.slippageBps ?? 0) / 1e4;
    const px = roundPx(leg.px * (leg.side === 'buy' ? 1 + room : 1 - room), inst.tickSz, leg.side);
    return {
      leg,
      intent: {
        instId: leg.instId,
        side: leg.side,
        ordType: 'ioc',
        sz: sz.toFixed(),
        px,
        clOrdId,
        tdMode: 'cash',
      },
    };
  }

  private async instrument(venue: string, instId: string): Promise<Instrument> {
    const k = `${venue}:${instId}`;
    let i = this.instruments.get(k);
    if (!i) {
      i = await this.o.venues[venue]!.instrument(instId);
      this.instruments.set(k, i);
    }
    return i;
  }

  /** One order through the venue's port; its final state (an IOC ends at once; looked up if not). */
  private async send(venue: string, intent: OrderIntent): Promise<LegResult> {
    const port = this.o.venues[venue]!;
    const base: LegResult = {
      venue,
      instId: intent.instId,
      side: intent.side,
      clOrdId: intent.clOrdId!,
      sz: intent.sz,
      px: intent.px ?? '',
      filled: '0',
      avgPx: '',
      fee: '0',
      feeCcy: '',
      state: 'rejected',
    };
    let o: Order | undefined;
    const sentPerf = performance.now();
    let ackPerf: number | undefined;
    try {
      o = await port.placeOrder(intent);
      ackPerf = performance.now();
      for (let i = 0; i < 20 && o && OPEN_STATES.has(o.state); i++) {
        await this.sleep(25);
        o = (await port.getOrder({ instId: intent.instId, clOrdId: intent.clOrdId! })) ?? o;
      }
    } catch (err) {
      return { ...base, sentPerf, error: err instanceof Error ? err.message : String(err) };
    }
    return {
      ...base,
      sentPerf,
      ackPerf,
      filled: o.accFillSz || '0',
      avgPx: o.avgPx,
      fee: o.fee || '0',
      feeCcy: o.feeCcy,
      state: o.state,
    };
  }

  /** Adds what `legs` did to the run's per-venue currency deltas. */
  private account(run: ArbRun, legs: LegResult[]): void {
    for (const l of legs) {
      const q = Number(l.filled);
      if (!(q > 0)) continue;
      const [base, quote] = l.instId.split('-') as [string, string];
      const notional = q * Number(l.avgPx);
      const add = (ccy: string, v: number) => {
        const k = `${l.venue}:${ccy}`;
        run.deltas[k] = (run.deltas[k] ?? 0) + v;
      };
      add(base, l.side === 'buy' ? q : -q);
      add(quote, l.side === 'buy' ? -notional : notional);
      if (l.feeCcy) add(l.feeCcy, Number(l.fee));
    }
  }

  /** Mid of the book trading `ccy` against the opportunity's currency on a venue, at detection. */
  private mid(
    opp: Opportunity,
    venue: string,
    ccy: string,
  ): { instId: string; px: number; inverse: boolean } {
    const a = `${ccy}-${opp.ccy}`;
    const b = `${opp.ccy}-${ccy}`;
    const ma = opp.mids[`${venue}:${a}`];
    if (ma !== undefined) return { instId: a, px: ma, inverse: false };
    const mb = opp.mids[`${venue}:${b}`];
    if (mb !== undefined) return { instId: b, px: mb, inverse: true };
    const live = this.o.books(venue, a);
    if (live) return { instId: a, px: midOf(live), inverse: false };
    throw new ValidationError('unwind', `no ${a} book on ${venue} to value ${ccy}`, 'scan the pair as well');
  }

  /**
   * The run's deltas valued in the opportunity's currency at the detection mids: amounts of a
   * currency are summed over venues first and valued at one venue's mid (the first leg's), so a
   * pair's cross-venue edge is not valued away.
   */
  private value(opp: Opportunity, deltas: Record<string, number>): number {
    const byCcy = new Map<string, { amount: number; venue: string }>();
    for (const [k, amount] of Object.entries(deltas)) {
      const [venue, ccy] = k.split(':') as [string, string];
      const e = byCcy.get(ccy);
      if (e) e.amount += amount;
      else byCcy.set(ccy, { amount, venue: opp.legs[0]?.venue ?? venue });
    }
    let v = 0;
    for (const [ccy, { amount, venue }] of byCcy) {
      if (ccy === opp.ccy) v += amount;
      else {
        const m = this.mid(opp, venue, ccy);
        v += m.inverse ? amount / m.px : amount * m.px;
      }
    }
    return v;
  }

  // long: the unwind policy in one place: budget split, budget-priced IOC orders, then the outcome and its alert and audit
  private async unwind(opp: Opportunity, run: ArbRun): Promise<void> {
    const budget = this.o.lossBudget;
    const lossNow = Math.max(0, -this.value(opp, run.deltas));
    const open = Object.entries(run.deltas).filter(([k, amount]) => {
      const ccy = k.split(':')[1]!;
      return ccy !== opp.ccy && Math.abs(amount) > 0;
    });
    let room = budget - lossNow;
    const worth = open.map(([k, amount]) => {
      const [venue, ccy] = k.split(':') as [string, string];
      const m = this.mid(opp, venue, ccy);
      return Math.abs(m.inverse ? amount / m.px : amount * m.px);
    });
    const total = worth.reduce((s, x) => s + x, 0);
    let sent = 0;
    for (let i = 0; i < open.length && room > 0; i++) {
      const [k, amount] = open[i]!;
      const [venue, ccy] = k.split(':') as [string, string];
      const m = this.mid(opp, venue, ccy);
      if (m.inverse) continue; // a leftover quoted the other way round: left to the report
      const inst = await this.instrument(venue, m.instId);
      const share = total > 0 ? (room * worth[i]!) / total : room;
      const fee = this.o.takerFee[venue] ?? 0;
      const d = Math.abs(amount);
      let intent: OrderIntent;
      if (amount > 0) {
        // Sell d: loss = d*mid - d*px*(1-fee) <= share.
        const sz = new Decimal(d).toDecimalPlaces(
          new Decimal(inst.lotSz).decimalPlaces(),
          Decimal.ROUND_DOWN,
        );
        if (sz.lt(inst.minSz)) continue;
        const px = Math.max(0, (d * m.px - share) / (d * (1 - fee)));
        intent = {
          instId: m.instId,
          side: 'sell',
          ordType: 'ioc',
          sz: sz.toFixed(),
          px: roundPx(px, inst.tickSz, 'sell', true),
        };
      } else {
        // Buy back d: q = d/(1-fee) base costs q*px; loss = q*px - d*mid <= share.
        const q = new Decimal(d / (1 - fee)).toDecimalPlaces(
          new Decimal(inst.lotSz).decimalPlaces(),
          Decimal.ROUND_UP,
        );
        if (q.lt(inst.minSz)) continue;
        const px = (d * m.px + share) / q.toNumber();
        intent = {
          instId: m.instId,
          side: 'buy',
          ordType: 'ioc',
          sz: q.toFixed(),
          px: roundPx(px, inst.tickSz, 'buy', true),
        };
      }
      intent.clOrdId = `${run.id}u${sent++}`;
      intent.tdMode = 'cash';
      const res = await this.send(venue, intent);
      run.unwind.push(res);
      this.o.onOrder?.(res, 'unwind');
      this.account(run, [res]);
      room = budget - Math.max(0, -this.value(opp, run.deltas));
    }
    const left = Object.entries(run.deltas).filter(([k, amount]) => {
      const [venue, ccy] = k.split(':') as [string, string];
      if (ccy === opp.ccy) return false;
      return Math.abs(amount) > dust(this.instruments.get(`${venue}:${ccy}-${opp.ccy}`));
    });
    if (left.length === 0) {
      run.status = 'unwound';
      await this.o.audit?.append({
        action: 'arb.unwind',
        why: run.reason ?? 'a leg did not fill',
        details: {
          run: run.id,
          loss: round(Math.max(0, -this.value(opp, run.deltas)), 8),
          lossBudget: budget,
        },
      });
      return;
    }
    run.status = 'over-budget';
    this.halt = `run ${run.id}: unwinding within the ${budget} ${opp.ccy} loss budget left ${left
      .map(([k, a]) => `${round(a, 8)} ${k}`)
      .join(', ')} open`;
    await this.o.alerts?.emit({
      kind: 'arb-unwind-over-budget',
      severity: 'critical',
      message: this.halt,
      details: { run: run.id, opportunity: opp.id, left: Object.fromEntries(left), lossBudget: budget },
    });
    await this.o.audit?.append({
      action: 'arb.unwind.over-budget',
      why: this.halt,
      details: { run: run.id, left: Object.fromEntries(left), lossBudget: budget },
    });
  }
}

/** Below one lot (or a tiny amount when the instrument is unknown) counts as flat. */
function dust(inst: Instrument | undefined): number {
  return inst ? Math.max(Number(inst.lotSz), Number(inst.minSz)) : 1e-12;
}

/**
 * A price on the tick. A leg's limit rounds outward (a buy up, a sell down: the level the walk
 * reached stays reachable); an unwind's budget price rounds inward (`inward`), never past it.
 */
function roundPx(px: number, tick: string, side: Side, inward = false): string {
  const t = new Decimal(tick);
  const up = side === 'buy' ? !inward : inward;
  const q = new Decimal(px).div(t);
  return (up ? q.ceil() : q.floor()).mul(t).toFixed(t.decimalPlaces());
}

function round(x: number, dp: number): number {
  const f = 10 ** dp;
  return Math.round(x * f) / f;
}
