import type { Decimal } from '../util/decimal.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { errorText, ValidationError } from '../util/errors.js';
import { GuardRejection } from './errors.js';
import type { ExchangePort, Fill, Order, OrderIntent, Position, Unsubscribe } from './exchange-port.js';
import type { AuditSink } from './audit.js';
import type { AlertInput } from './alerts.js';
import type { KillSwitch } from './kill-switch.js';
import type { RiskGate } from './order-guard.js';
import { repeatEvery } from '../util/repeat.js';
import { D, dayOf, pairOf, RiskLedger, type RiskMemoryState } from './risk/ledger.js';
import {
  breachOf,
  checkLimits,
  exposureRefusal,
  hasLossLimit,
  hasPositionLimit,
  positionBreachOf,
  preTradeRefusal,
  sharedBreachOf,
  type RiskLimits,
  type RiskRule,
  worstPositions,
} from './risk/policy.js';
import { RiskBreaker, type RiskTrip } from './risk/breaker.js';
import type { RiskScope, SharedRiskView } from './risk/shared.js';

export type { BreakerAction, RiskLimits, RiskRule } from './risk/policy.js';
export type { CancelFailure, PositionAction, RiskTrip } from './risk/breaker.js';
export type { RiskMemoryState } from './risk/ledger.js';
export type { RiskContribution, RiskScope, SharedRiskView } from './risk/shared.js';

/** The account-wide risk scope as a RiskManager last saw it (see RiskSnapshot.shared). */
export interface SharedRiskStatus {
  /** Where the scope is kept (no credentials). */
  where: string;
  /** `ok`: the last sync answered; `unreachable`: it failed, orders that add exposure are refused. */
  state: 'ok' | 'unreachable' | 'not synced';
  /** Since when (ms, this process's clock) it has been unreachable. */
  since?: number;
  /** Why the last sync failed. */
  error?: string;
  /** This run's key in the scope. */
  run: string;
  /** The account-wide totals last read (possibly old while unreachable). */
  view?: SharedRiskView;
}

/** Where the memory is kept: the bot's state store (per bot), or a file per account. */
export interface RiskMemory {
  load(): RiskMemoryState | undefined;
  save(state: RiskMemoryState): void;
}

/** The risk manager's figures: PnL, daily PnL, equity, peak and drawdown in `ccy` (decimal strings), open orders, positions, and the halt reason if halted. */
export interface RiskSnapshot {
  /** The reporting currency of pnl, dailyPnl, equity, peakEquity and drawdown. */
  ccy: string;
  /** PnL since start; undefined while some PnL has no conversion mark (see `unconverted`). */
  pnl: string | undefined;
  dailyPnl: string | undefined;
  equity: string | undefined;
  peakEquity: string;
  drawdown: string | undefined;
  /** Drawdown as a percent of peak equity (4 decimals); undefined when unknown or peak <= 0. */
  drawdownPct: string | undefined;
  /** PnL per currency before conversion: quote currencies, and fee currencies outside the pair. */
  pnlByCcy: Record<string, string>;
  /** Currencies with PnL but no mark into `ccy` yet: the loss limits wait for them. */
  unconverted: string[];
  openOrders: number;
  positions: Record<string, string>;
  /**
   * Per derivatives limit, the position nearest to it (highest leverage, lowest margin ratio,
   * smallest liquidation distance in %), from the positions last fed to onPositions.
   */
  worstPositions: {
    leverage?: { where: string; value: string };
    marginRatio?: { where: string; value: string };
    liqDistancePct?: { where: string; value: string };
  };
  halted: string | undefined;
  /** With a shared risk scope: its state and the account-wide totals. */
  shared?: SharedRiskStatus;
}

/**
 * Circuit breakers outside any strategy (docs/REQUIREMENTS.md R23, R31): daily loss, drawdown from peak equity (amount
 * and percent), open orders, position per instrument; on derivatives, the leverage, margin ratio
 * and liquidation distance of each position (fed by onPositions). A trip halts, cancels open
 * orders and, when configured (`onTrip`), reduces or closes the positions. The exchange wiring around three parts:
 * the ledger (pure PnL accounting, risk/ledger.ts), the policy (limits -> decisions,
 * risk/policy.ts) and the breaker (the effects of a trip: kill switch, cancels, audit, alerts,
 * risk/breaker.ts). Money is accounted per instrument in its quote currency and converted to the
 * reporting currency (`limits.ccy`) by marks; the loss limits are never evaluated on a partial
 * total. The day's PnL and the peak are kept in `memory` across restarts.
 */
export class RiskManager implements RiskGate {
  /** The reporting currency. */
  readonly ccy: string;
  private readonly limits: RiskLimits;
  private readonly clock: Clock;
  private readonly alerts: { emit(a: AlertInput): unknown } | undefined;
  private readonly ledger: RiskLedger;
  private readonly breaker: RiskBreaker;
  private readonly memory: RiskMemory | undefined;
  private lastSaved = '';
  /** Currencies that need a mark into ccy, and who fetches it (followMarks). */
  private readonly wanted = new Set<string>();
  private readonly followers = new Set<(ccy: string) => void>();
  private readonly blindAlerted = new Set<string>();
  private readonly contractValue: ((instId: string) => string | undefined) | undefined;
  /** The account's open positions as last reported (onPositions). */
  private positions: Position[] = [];
  private readonly scope: RiskScope | undefined;
  private readonly owns: (o: { clOrdId: string; ordId: string; instId: string }) => boolean;
  private sharedView: SharedRiskView | undefined;
  private sharedError: { since: number; message: string } | undefined;
  private syncing: Promise<RiskTrip | undefined> | undefined;
  private syncAgain: Promise<RiskTrip | undefined> | undefined;

  constructor(opts: {
    limits: RiskLimits;
    clock?: Clock;
    killSwitch?: KillSwitch;
    audit?: AuditSink;
    alerts?: { emit(a: AlertInput): unknown };
    /** Where open orders are cancelled on a trip (and positions read for a position action). */
    exchange?: Pick<ExchangePort, 'openOrders' | 'cancelOrder'> &
      Partial<Pick<ExchangePort, 'positions' | 'instrument'>>;
    /**
     * How a position action (limits.onTrip `reduce` / `close-all`) sends its reduce-only orders:
     * the journaled executor (exactly once, not refused by the halt).
     */
    placeOrder?: (intent: OrderIntent) => Promise<Order>;
    /** The day's PnL and the peak from earlier runs, kept across restarts. */
    memory?: RiskMemory;
    /** A contract's value in its coin (ctVal), so contract fills count in coin; spot needs none. */
    contractValue?: (instId: string) => string | undefined;
    /** Where failed effects of a trip (cancels, audit, alerts) are logged at warn. */
    logger?: Logger;
    /**
     * The account-wide risk scope (e.g. RedisRiskScope): this run's day PnL and positions are
     * added to every other run's on the account, the daily loss and position limits are checked on
     * the totals too (a breach trips the kill switch of the account), and orders that add exposure
     * are checked on the totals first and refused while the scope cannot be reached.
     */
    scope?: RiskScope;
    /**
     * Which orders are this run's: only their fills count in its PnL and positions (open orders
     * of the account still count against maxOpenOrders). With a shared scope every run must count
     * its own only, since the exchange streams every order of the account to every process. Default: all.
     */
    owns?: (o: { clOrdId: string; ordId: string; instId: string }) => boolean;
  }) {
    checkLimits(opts.limits);
    this.limits = opts.limits;
    this.ccy = opts.limits.ccy ?? 'USDT';
    this.clock = opts.clock ?? systemClock;
    this.alerts = opts.alerts;
    this.scope = opts.scope;
    this.owns = opts.owns ?? (() => true);
    this.ledger = new RiskLedger(
      this.ccy,
      new D(opts.limits.startingEquity ?? '0'),
      this.today(),
      opts.contractValue,
    );
    this.breaker = new RiskBreaker({
      clock: this.clock,
      ...(opts.killSwitch ? { killSwitch: opts.killSwitch } : {}),
      ...(opts.audit ? { audit: opts.audit } : {}),
      ...(opts.alerts ? { alerts: opts.alerts } : {}),
      ...(opts.exchange ? { exchange: opts.exchange } : {}),
      ...(opts.placeOrder ? { placeOrder: opts.placeOrder } : {}),
      ...(opts.limits.onTrip ? { action: opts.limits.onTrip } : {}),
      ...(opts.limits.reduceFraction ? { reduceFraction: opts.limits.reduceFraction } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    this.contractValue = opts.contractValue;
    this.memory = opts.memory;
    const m = this.memory?.load();
    if (m) this.ledger.restore(m);
  }

  /** Trips so far (each with its cancels and any effect that failed). */
  get trips(): RiskTrip[] {
    return this.breaker.trips;
  }

  /** Effects (cancel, audit, alert, kill switch, memory) that failed, with why. */
  get errors(): string[] {
    return this.breaker.errors;
  }

  /** Called when a halt is lifted (here or by `okxkit resume` in another process). */
  get onResume(): (() => void) | undefined {
    return this.breaker.onResume;
  }
  set onResume(fn: (() => void) | undefined) {
    this.breaker.onResume = fn;
  }

  /** Saves the day's PnL and the peak (on change; the trading stack also calls it on close). */
  saveMemory(): void {
    if (!this.memory) return;
    const state = this.ledger.memory();
    if (!state) return;
    const text = JSON.stringify(state);
    if (text === this.lastSaved) return;
    try {
      this.memory.save(state);
      this.lastSaved = text;
    } catch (err) {
      this.breaker.recordError('saving the risk memory failed', err);
    }
  }

  // ---- RiskGate ----
  /** Coin per contract of a contract instrument (1 on spot, or while its value is unknown). */
  haltReason(): string | undefined {
    return this.breaker.haltReason();
  }

  /** Lifts a halt from this process (the CLI's `okxkit resume` does the same from outside). */
  async resume(why: string, operator = 'risk-manager'): Promise<void> {
    if (!why.trim())
      throw new ValidationError('why', 'a justification is required', 'say why trading may resume');
    await this.breaker.resume(why, operator);
  }

  /**
   * Refuses (throws a GuardRejection) an order that would breach a limit of this process: open
   * orders, position, exposure, unconverted PnL. The account-wide limits follow in
   * {@link RiskManager.preTradeAccount}.
   */
  preTrade(o: { instId: string; side: 'buy' | 'sell'; baseSz: Decimal; notional: Decimal }): void {
    // Start fetching the conversion mark before the first fill, so the loss limits see it early.
    this.want(o.instId);
    const grows = hasLossLimit(this.limits);
    const refusal = preTradeRefusal(this.limits, this.ccy, o, {
      openCount: this.ledger.openCount,
      position: this.ledger.position(o.instId),
      unconverted: grows ? this.ledger.valuation().unconverted : [],
    });
    if (refusal) throw refusal;
    const local = exposureRefusal(this.limits, this.ccy, o, {
      pos: this.ledger.position(o.instId),
      exposure: this.ledger.exposure(),
      unit: this.orderUnit(o),
      where: 'this process',
    });
    if (local) throw local;
  }

  /**
   * With a shared scope, after {@link RiskManager.preTrade}: an order that adds exposure to the
   * account is checked on fresh account-wide totals (one round trip) and refused (a GuardRejection)
   * when it would cross the position or exposure limit, when the account is halted, or while the
   * scope cannot be reached (`riskScopeUnavailable`). Orders that reduce the account's position,
   * or are flagged reduce-only, never wait for the scope. Without a scope it resolves at once.
   */
  async preTradeAccount(o: {
    instId: string;
    side: 'buy' | 'sell';
    baseSz: Decimal;
    notional: Decimal;
    reduceOnly?: boolean;
  }): Promise<void> {
    if (!this.scope || o.reduceOnly) return;
    await this.preTradeShared(o, this.orderUnit(o));
  }

  /** One base unit of an order in the reporting currency, from its notional (in its quote currency). */
  private orderUnit(o: { instId: string; baseSz: Decimal; notional: Decimal }): Decimal | undefined {
    if (o.baseSz.isZero()) return undefined;
    const r = this.ledger.rate(pairOf(o.instId)[1]);
    return r ? o.notional.mul(r).div(o.baseSz) : undefined;
  }

  private async preTradeShared(
    o: { instId: string; side: 'buy' | 'sell'; baseSz: Decimal },
    unit: Decimal | undefined,
  ): Promise<void> {
    const accountPos = (v: SharedRiskView | undefined) => {
      const p = v?.positions[o.instId];
      return p !== undefined ? new D(p) : this.ledger.position(o.instId);
    };
    const before = accountPos(this.sharedView);
    const after = o.side === 'buy' ? before.plus(o.baseSz) : before.minus(o.baseSz);
    // Reduces the account's position as last known: needs no fresh totals (passes while unreachable).
    if (!after.abs().gt(before.abs())) return;
    await this.syncShared();
    const err = this.sharedError;
    if (err) {
      throw new GuardRejection(
        'riskScopeUnavailable',
        o.instId,
        `the account-wide risk limits cannot be checked: the shared risk scope (${this.scope!.where}) has not answered for ${this.clock.now() - err.since} ms (${err.message})`,
        { since: String(err.since) },
        'orders that reduce a position and cancels still pass; new exposure waits until the scope answers again',
      );
    }
    const halted = this.haltReason();
    if (halted !== undefined) throw new GuardRejection('halted', o.instId, `trading is halted: ${halted}`);
    const v = this.sharedView!;
    const refusal = exposureRefusal(this.limits, this.ccy, o, {
      pos: accountPos(v),
      exposure: v.exposure === undefined ? undefined : new D(v.exposure),
      unit,
      where: 'account-wide',
    });
    if (refusal) throw refusal;
  }

  /**
   * Sends this run's day PnL and positions to the shared scope and reads the account-wide totals;
   * a breach of the totals trips (halting every process through the kill switch of the account).
   * Never throws: a scope that does not answer is recorded (`snapshot().shared`) and orders that
   * add exposure are refused until it answers. Concurrent calls share one round trip, and a call
   * made while one is on its way gets a fresh one after it. The trading stack calls it every second.
   */
  syncShared(): Promise<RiskTrip | undefined> {
    if (!this.scope) return Promise.resolve(undefined);
    if (!this.syncing) {
      this.syncing = this.doSync().finally(() => (this.syncing = undefined));
      return this.syncing;
    }
    this.syncAgain ??= this.syncing.then(() => {
      this.syncAgain = undefined;
      return this.syncShared();
    });
    return this.syncAgain;
  }

  private async doSync(): Promise<RiskTrip | undefined> {
    const scope = this.scope!;
    const day = this.today();
    const f = this.ledger.figures(day);
    const positions: Record<string, { pos: string; px: string }> = {};
    for (const [instId, pos] of this.ledger.positions())
      positions[instId] = { pos: pos.toFixed(), px: this.ledger.unitValue(instId)?.toFixed() ?? '' };
    let view: SharedRiskView;
    try {
      view = await scope.sync({ day, dailyPnl: f?.runDaily.toFixed(), positions });
    } catch (err) {
      if (!this.sharedError) {
        this.sharedError = { since: this.clock.now(), message: errorText(err) };
        this.breaker.recordError(
          `the shared risk scope (${scope.where}) does not answer: orders that add exposure are refused`,
          err,
        );
      } else this.sharedError.message = errorText(err);
      return undefined;
    }
    this.sharedError = undefined;
    this.sharedView = view;
    if (this.haltReason() !== undefined) return undefined;
    const b = sharedBreachOf(this.limits, this.ccy, view);
    return b ? this.trip(b.rule, b.message, b.numbers) : undefined;
  }

  /**
   * Takes this run's open exposure out of the shared scope when it holds no position (a clean
   * stop); with a position left it stays, counted for the account, until released by hand.
   */
  async releaseShared(): Promise<boolean> {
    if (!this.scope) return false;
    await this.syncShared();
    for (const pos of this.ledger.positions().values()) if (!pos.isZero()) return false;
    await this.scope.release();
    return true;
  }

  /** The UTC day: the shared scope's (Redis server time) when there is one, else the clock's. */
  private today(): string {
    return this.scope?.day ?? dayOf(this.clock.now());
  }

  // ---- inputs ----
  /**
   * Feeds one fill. A fill counts once (by instId, tradeId and side), partial fills each count,
   * and its fee counts in its own currency. Resolves after any trip it caused.
   */
  async onFill(f: Fill): Promise<RiskTrip | undefined> {
    if (!this.owns(f) || !this.ledger.addFill(f)) return undefined;
    this.want(f.instId, f.feeCcy);
    return this.evaluate();
  }

  /** The price of an instrument: marks its position, and converts its base into its quote. */
  async onMark(instId: string, px: string): Promise<RiskTrip | undefined> {
    this.ledger.mark(instId, px);
    return this.evaluate();
  }

  /**
   * Feeds an order update (from the private stream or a poll). Its cumulative fills (accFillSz,
   * avgPx, fee) count too, so partial fills show before the order ends; fills of the same order
   * fed to onFill are not counted again. A late view never reopens a finished order.
   */
  async onOrder(o: Order): Promise<RiskTrip | undefined> {
    this.ledger.addOrder(o, this.owns(o));
    this.want(o.instId, o.feeCcy);
    return this.evaluate();
  }

  /**
   * Replaces the view of the account's positions (GET positions, the positions stream) and checks
   * the derivatives limits on them: leverage, margin ratio, liquidation distance.
   */
  async onPositions(positions: readonly Position[]): Promise<RiskTrip | undefined> {
    this.positions = positions.filter((p) => p.pos !== '' && Number(p.pos) !== 0);
    return this.evaluate();
  }

  /** Whether a limit needs positions fed (onPositions, or `attach` polling them). */
  get watchesPositions(): boolean {
    return hasPositionLimit(this.limits);
  }

  /** Replaces the open-order view with a full list (e.g. GET orders-pending). */
  async setOpenOrders(orders: Order[]): Promise<RiskTrip | undefined> {
    this.ledger.setOpenOrders(orders, this.owns);
    for (const o of orders) this.want(o.instId, o.feeCcy);
    return this.evaluate();
  }

  /**
   * Checks the kill switch: when another process (`okxkit kill`) engaged it, do what a trip does
   * in this process: cancel open orders and alert; when it was lifted, call onResume. Call it on
   * a timer.
   */
  pollKillSwitch(): Promise<RiskTrip | undefined> {
    return this.breaker.poll(() => this.ledger.openOrders());
  }

  /**
   * Keeps the conversion marks fed: for every currency the manager meets (a quote currency, or a
   * fee currency outside the pair), subscribes to the ticker of `<CCY>-<ccy>` or, when that is not
   * listed, `<ccy>-<CCY>`. A currency with neither pair goes to `onError` and stays unconverted.
   * Returns a function that stops it.
   */
  followMarks(
    exchange: Pick<ExchangePort, 'instrument' | 'onTicker'>,
    opts: { onError?: (err: unknown) => void } = {},
  ): () => void {
    const onError = opts.onError ?? (() => undefined);
    const subs = new Map<string, Unsubscribe | undefined>();
    let stopped = false;
    const follow = (c: string) => {
      if (stopped || subs.has(c)) return;
      subs.set(c, undefined);
      void (async () => {
        const candidates = [`${c}-${this.ccy}`, `${this.ccy}-${c}`];
        let lastErr: unknown;
        for (const instId of candidates) {
          try {
            await exchange.instrument(instId);
          } catch (err) {
            lastErr = err;
            continue;
          }
          if (stopped) return;
          const off = exchange.onTicker(instId, (t) => {
            const px = t.last || t.bidPx;
            if (px) this.onMark(instId, px).catch(onError);
          });
          subs.set(c, off);
          return;
        }
        // Met again (the next fill), it is looked up again: the failure may have been transient.
        subs.delete(c);
        onError(
          new ValidationError(
            'ccy',
            `cannot convert ${c} into ${this.ccy}: neither ${candidates.join(' nor ')} could be found (${lastErr instanceof Error ? lastErr.message : String(lastErr)})`,
            `choose a reporting currency with a pair to ${c}, or feed a price with onMark`,
          ),
        );
      })().catch(onError);
    };
    this.followers.add(follow);
    for (const c of this.wanted) follow(c);
    return () => {
      stopped = true;
      this.followers.delete(follow);
      for (const off of subs.values()) off?.();
    };
  }

  /**
   * Feeds the manager from an exchange while trading runs: order updates and marks from its
   * streams, conversion marks (followMarks), fills and open orders by REST every `pollMs`, and the
   * kill switch file. Returns a function that stops it. Errors of a poll go to `onError`; the next
   * poll tries again.
   */
  attach(
    exchange: Pick<ExchangePort, 'onOrder' | 'onTicker' | 'fills' | 'openOrders' | 'instrument'> &
      Partial<Pick<ExchangePort, 'positions'>>,
    opts: { instIds: string[]; pollMs?: number; sinceMs?: number; onError?: (err: unknown) => void },
  ): () => void {
    const onError = opts.onError ?? (() => undefined);
    const offs: Array<() => void> = [];
    const guard = (p: Promise<unknown>) => p.catch(onError);
    offs.push(exchange.onOrder((o) => void guard(this.onOrder(o))));
    for (const instId of opts.instIds) {
      this.want(instId);
      offs.push(
        exchange.onTicker(instId, (t) => {
          const px = t.last || t.bidPx;
          if (px) void guard(this.onMark(instId, px));
        }),
      );
    }
    offs.push(this.followMarks(exchange, { onError }));
    let since = opts.sinceMs ?? this.clock.now();
    const poll = async () => {
      await this.pollKillSwitch();
      for (const f of await exchange.fills(undefined, since)) {
        await this.onFill(f);
        since = Math.max(since, f.ts);
      }
      await this.setOpenOrders(await exchange.openOrders());
      if (exchange.positions && this.watchesPositions) await this.onPositions(await exchange.positions());
    };
    offs.push(repeatEvery(poll, opts.pollMs ?? 2_000, onError, this.clock));
    return () => {
      for (const off of offs) off();
    };
  }

  snapshot(): RiskSnapshot {
    const v = this.ledger.valuation();
    const positions: Record<string, string> = {};
    for (const [k, pos] of this.ledger.positions()) positions[k] = pos.toFixed();
    const pnlByCcy: Record<string, string> = {};
    for (const [c, x] of v.byCcy) pnlByCcy[c] = x.toFixed();
    const f = this.ledger.figures(this.today());
    const peak = this.ledger.peakEquity;
    return {
      ccy: this.ccy,
      pnl: f?.pnl.toFixed(),
      dailyPnl: f?.daily.toFixed(),
      equity: f?.equity.toFixed(),
      peakEquity: peak.toFixed(),
      drawdown: f?.drawdown.toFixed(),
      drawdownPct: f && peak.gt(0) ? f.drawdown.div(peak).mul(100).toDecimalPlaces(4).toFixed() : undefined,
      pnlByCcy,
      unconverted: v.unconverted,
      openOrders: this.ledger.openCount,
      positions,
      worstPositions: worstPositions(this.positions, this.contractValue),
      halted: this.haltReason(),
      ...(this.scope
        ? {
            shared: {
              where: this.scope.where,
              run: this.scope.run,
              state: this.sharedError ? 'unreachable' : this.sharedView ? 'ok' : 'not synced',
              ...(this.sharedError ? { since: this.sharedError.since, error: this.sharedError.message } : {}),
              ...(this.sharedView ? { view: this.sharedView } : {}),
            },
          }
        : {}),
    };
  }

  /** Notes the currencies an instrument (and a fee) bring, so followMarks fetches their marks. */
  private want(instId: string, feeCcy = ''): void {
    const [base, quote] = pairOf(instId);
    for (const c of [quote, feeCcy]) {
      if (!c || c === this.ccy || c === base) continue;
      this.wanted.add(c);
      for (const follow of this.followers) follow(c);
    }
  }

  private async evaluate(): Promise<RiskTrip | undefined> {
    const f = this.ledger.figures(this.today());
    if (f) this.saveMemory();
    this.alertUnconverted(this.ledger.valuation().unconverted);
    let trip: RiskTrip | undefined;
    if (this.haltReason() === undefined) {
      const b =
        breachOf(this.limits, this.ccy, f, this.ledger.openCount, this.ledger.positions()) ??
        positionBreachOf(this.limits, this.positions, this.contractValue);
      if (b) trip = await this.trip(b.rule, b.message, b.numbers);
    }
    // The account's other runs hear of this change, and this run of theirs.
    if (this.scope) trip = (await this.syncShared()) ?? trip;
    return trip;
  }

  /** Warns once per currency that the loss limits wait for its conversion mark. */
  private alertUnconverted(unconverted: string[]): void {
    for (const c of [...this.blindAlerted]) if (!unconverted.includes(c)) this.blindAlerted.delete(c);
    if (!hasLossLimit(this.limits)) return;
    for (const c of unconverted) {
      if (this.blindAlerted.has(c)) continue;
      this.blindAlerted.add(c);
      void Promise.resolve(
        this.alerts?.emit({
          kind: 'risk-unconverted',
          severity: 'warning',
          message: `loss limits paused: no ${c}-${this.ccy} price to convert ${c} PnL into ${this.ccy}; orders that add exposure are refused until it arrives`,
          details: { ccy: c, reportingCcy: this.ccy },
          dedupKey: `risk-unconverted:${c}`,
        }),
      ).catch((err: unknown) => this.breaker.recordError('alert failed', err));
    }
  }

  /** Trips a breaker by hand (e.g. from a monitor): same effects as a limit breach. */
  tripNow(rule: RiskRule, message: string, numbers: Record<string, string> = {}): Promise<RiskTrip> {
    return this.trip(rule, message, numbers);
  }

  private trip(rule: RiskRule, message: string, numbers: Record<string, string>): Promise<RiskTrip> {
    const p = this.breaker.trip(rule, message, numbers, true, () => this.ledger.openOrders());
    this.saveMemory();
    return p;
  }
}
