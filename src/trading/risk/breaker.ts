import type { Clock } from '../../util/clock.js';
import { errorCode, errorText } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { ExchangePort, Order, OrderIntent, Position } from '../exchange-port.js';
import type { AuditSink } from '../audit.js';
import type { AlertInput } from '../alerts.js';
import type { KillSwitch } from '../kill-switch.js';
import { positionOrders, type BreakerAction, type RiskRule } from './policy.js';

/** One reduce-only order a trip sent against a position (or why it could not be sent). */
export interface PositionAction {
  instId: string;
  posSide: string;
  side: 'buy' | 'sell';
  sz: string;
  /** The position before the order. */
  pos: string;
  ordId?: string;
  clOrdId?: string;
  state?: string;
  error?: string;
}

/** A risk limit tripped: which rule, a message, the numbers, when (ms) and how many orders were cancelled. */
export interface RiskTrip {
  rule: RiskRule;
  message: string;
  numbers: Record<string, string>;
  ts: number;
  cancelled: number;
  cancelFailures: number;
  /** Each failed cancel: the order, the error's code (an OKX code such as 51400, when it has one) and message. */
  cancelErrors: CancelFailure[];
  /** Why each failed cancel failed, and any failed audit write or alert: never dropped silently. */
  errors: string[];
  /** The breaker action taken on positions (`cancel-only` when none). */
  action: BreakerAction;
  /** The reduce-only orders sent against positions, each with its order or its error. */
  positionOrders: PositionAction[];
}

/** A cancel that failed, and why: kept in the trip (and its audit record), logged at warn. */
export interface CancelFailure {
  instId: string;
  ordId: string;
  clOrdId: string;
  code: string | undefined;
  message: string;
}

/**
 * The risk breaker: the effects of a trip. It halts at once (in this process, and in the kill
 * switch of its scope), cancels open orders, writes the audit trail and alerts; it notices a halt
 * engaged or lifted from outside (`okxkit kill` / `resume`). Fails closed: a trip whose kill
 * switch write failed keeps this process halted until resume. Every effect that fails is recorded
 * with its reason in `errors` and in the trip.
 */
export class RiskBreaker {
  private tripped: RiskTrip | undefined;
  private tripping: Promise<RiskTrip> | undefined;
  private killSeen: boolean;
  readonly errors: string[] = [];
  readonly trips: RiskTrip[] = [];
  /** Called when a halt is lifted (here or by `okxkit resume` in another process). */
  onResume: (() => void) | undefined;

  constructor(
    private readonly opts: {
      clock: Clock;
      killSwitch?: KillSwitch;
      audit?: AuditSink;
      alerts?: { emit(a: AlertInput): unknown };
      /** Where open orders are cancelled on a trip (and positions read, for a position action). */
      exchange?: Pick<ExchangePort, 'openOrders' | 'cancelOrder'> &
        Partial<Pick<ExchangePort, 'positions' | 'instrument'>>;
      /** What a limit trip does to positions; a kill switch engaged elsewhere only cancels. */
      action?: BreakerAction;
      /** Share of each position `reduce` closes (default "0.5"). */
      reduceFraction?: string;
      /**
       * Sends the reduce-only orders of a position action: the journaled executor, so each goes
       * out exactly once even while the guard refuses new orders.
       */
      placeOrder?: (intent: OrderIntent) => Promise<Order>;
      /** Where failed effects are logged (warn). */
      logger?: Logger;
    },
  ) {
    this.killSeen = opts.killSwitch?.isEngaged() ?? false;
  }

  /** Records an effect that failed, so it shows in the status and the audit trail. */
  recordError(what: string, err: unknown): string {
    const text = `${what}: ${errorText(err)}`;
    this.opts.logger?.warn({ code: errorCode(err), err: errorText(err) }, `risk breaker: ${what}`);
    this.errors.push(text);
    if (this.errors.length > 50) this.errors.shift();
    return text;
  }

  get busy(): boolean {
    return this.tripping !== undefined;
  }

  haltReason(): string | undefined {
    const ks = this.opts.killSwitch?.state();
    if (!ks) return this.tripped ? `${this.tripped.rule}: ${this.tripped.message}` : undefined;
    // The persisted switch is the source of truth: `okxkit resume` in another process lifts a trip.
    if (ks.halted) return ks.why || 'kill switch engaged';
    // Fail closed: a trip of this process stays until a release newer than it is seen (if
    // engaging the switch failed, the store never said halted, and nothing lifts it but resume).
    if (this.tripped) {
      if (this.tripping || ks.since < this.tripped.ts || ks.by === '')
        return `${this.tripped.rule}: ${this.tripped.message}`;
      this.tripped = undefined;
    }
    return undefined;
  }

  /** Lifts a halt from this process (the CLI's `okxkit resume` does the same from outside). */
  async resume(why: string, operator: string): Promise<void> {
    this.opts.killSwitch?.release({ why, by: operator });
    this.killSeen = false;
    this.tripped = undefined;
    this.onResume?.();
    await this.opts.audit?.append({
      action: 'killswitch.released',
      details: { by: 'risk-manager', scope: this.opts.killSwitch?.scope ?? '' },
      why,
      operator,
    });
  }

  /**
   * Checks the kill switch: when another process (`okxkit kill`) engaged it, do what a trip does
   * here (cancel open orders, audit, alert); when it was lifted, tell onResume.
   */
  async poll(known: () => Order[]): Promise<RiskTrip | undefined> {
    const ks = this.opts.killSwitch?.state();
    const engaged = ks?.halted ?? false;
    const wasSeen = this.killSeen;
    this.killSeen = engaged;
    if (!engaged) {
      if (wasSeen && this.haltReason() === undefined) {
        try {
          await this.opts.audit?.append({
            action: 'killswitch.observed-release',
            details: { scope: this.opts.killSwitch?.scope ?? '', by: ks?.by ?? '' },
            why: ks?.why || 'released',
            operator: 'risk-manager',
          });
        } catch (err) {
          this.recordError('audit write failed', err);
        }
        this.onResume?.();
      }
      return undefined;
    }
    if (wasSeen) return undefined;
    return this.trip('killSwitch', `kill switch engaged by ${ks!.by}: ${ks!.why}`, {}, false, known);
  }

  // long: the trip's effects in their required order (halt first, persist the switch, cancel, act on positions, audit record), one shared trip promise
  trip(
    rule: RiskRule,
    message: string,
    numbers: Record<string, string>,
    engage: boolean,
    known: () => Order[],
  ): Promise<RiskTrip> {
    if (this.tripping) return this.tripping;
    const ts = this.opts.clock.now();
    const action = rule === 'killSwitch' ? 'cancel-only' : (this.opts.action ?? 'cancel-only');
    const trip: RiskTrip = {
      rule,
      message,
      numbers,
      ts,
      cancelled: 0,
      cancelFailures: 0,
      cancelErrors: [],
      errors: [],
      action,
      positionOrders: [],
    };
    // Halt first (synchronously), so no order slips through while open ones are being cancelled.
    this.tripped = trip;
    const why = `${rule}: ${message}`;
    if (engage && this.opts.killSwitch) {
      try {
        this.opts.killSwitch.engage({ why, by: 'risk-manager', rule });
        this.killSeen = true;
      } catch (err) {
        // Still halted in this process (haltReason keeps the trip): say the switch could not be set.
        trip.errors.push(this.recordError('engaging the kill switch failed', err));
      }
    }
    this.tripping = (async () => {
      try {
        await this.cancelAll(trip, known);
        await this.actOnPositions(trip);
        try {
          await this.opts.audit?.append({
            action: rule === 'killSwitch' ? 'killswitch.observed' : 'risk.tripped',
            details: {
              rule,
              numbers,
              scope: this.opts.killSwitch?.scope ?? '',
              cancelled: trip.cancelled,
              cancelFailures: trip.cancelFailures,
              action: trip.action,
              ...(trip.positionOrders.length ? { positionOrders: trip.positionOrders } : {}),
              ...(trip.cancelErrors.length ? { cancelErrors: trip.cancelErrors } : {}),
              ...(trip.errors.length ? { errors: trip.errors } : {}),
            },
            why,
            operator: 'risk-manager',
          });
        } catch (err) {
          trip.errors.push(this.recordError('audit write failed', err));
        }
        try {
          await this.opts.alerts?.emit({
            kind: rule === 'killSwitch' ? 'kill-switch' : 'risk-trip',
            severity: 'critical',
            message: `trading halted: ${why}`,
            details: {
              rule,
              ...numbers,
              cancelled: trip.cancelled,
              cancelFailures: trip.cancelFailures,
              ...(trip.action !== 'cancel-only'
                ? {
                    action: trip.action,
                    positionOrders: trip.positionOrders
                      .map((p) => `${p.side} ${p.sz} ${p.instId}${p.error ? ` failed: ${p.error}` : ''}`)
                      .join('; '),
                  }
                : {}),
              ...(trip.errors.length ? { errors: trip.errors.join('; ') } : {}),
            },
            dedupKey: `risk-trip:${rule}`,
          });
        } catch (err) {
          trip.errors.push(this.recordError('alert failed', err));
        }
        this.trips.push(trip);
        return trip;
      } finally {
        this.tripping = undefined;
      }
    })();
    return this.tripping;
  }

  /**
   * The position action of a trip: reads the positions afresh and sends one reduce-only market
   * order per position (a fraction of it, or all of it). Every order and every failure is kept in
   * the trip; one failure does not stop the others.
   */
  private async actOnPositions(trip: RiskTrip): Promise<void> {
    if (trip.action === 'cancel-only') return;
    const ex = this.opts.exchange;
    const place = this.opts.placeOrder;
    if (!ex?.positions || !ex.instrument || !place) {
      trip.errors.push(
        this.recordError(
          `position action ${trip.action} not taken`,
          'the exchange cannot list positions or no order path was given',
        ),
      );
      return;
    }
    let positions: Position[];
    try {
      positions = await ex.positions();
    } catch (err) {
      trip.errors.push(this.recordError(`listing positions for ${trip.action} failed`, err));
      return;
    }
    const lots = new Map<string, { lotSz: string; minSz: string }>();
    for (const p of positions) {
      if (lots.has(p.instId)) continue;
      try {
        const inst = await ex.instrument(p.instId);
        lots.set(p.instId, { lotSz: inst.lotSz, minSz: inst.minSz });
      } catch (err) {
        trip.errors.push(this.recordError(`instrument ${p.instId} for ${trip.action} failed`, err));
      }
    }
    const known = positions.filter((p) => lots.has(p.instId));
    const orders = positionOrders(trip.action, this.opts.reduceFraction ?? '0.5', known, (id) =>
      lots.get(id)!,
    );
    for (const { position, order: o } of orders) {
      const rec: PositionAction = {
        instId: o.instId,
        posSide: o.posSide ?? 'net',
        side: o.side,
        sz: o.sz,
        pos: position.pos,
      };
      try {
        const order = await place({ ...o, ordType: 'market' });
        rec.ordId = order.ordId;
        rec.clOrdId = order.clOrdId;
        rec.state = order.state;
      } catch (err) {
        rec.error = errorText(err);
        trip.errors.push(this.recordError(`${o.side} ${o.sz} ${o.instId} (${trip.action}) failed`, err));
      }
      trip.positionOrders.push(rec);
    }
  }

  private async cancelAll(trip: RiskTrip, known: () => Order[]): Promise<void> {
    const ex = this.opts.exchange;
    if (!ex) return;
    let open: Order[];
    try {
      open = await ex.openOrders();
    } catch (err) {
      trip.errors.push(this.recordError('listing open orders to cancel failed; cancelling those known', err));
      open = known();
    }
    for (const o of open) {
      try {
        await ex.cancelOrder({
          instId: o.instId,
          ordId: o.ordId || undefined,
          clOrdId: o.ordId ? undefined : o.clOrdId,
        });
        trip.cancelled++;
      } catch (err) {
        trip.cancelFailures++;
        trip.cancelErrors.push({
          instId: o.instId,
          ordId: o.ordId,
          clOrdId: o.clOrdId,
          code: errorCode(err),
          message: errorText(err),
        });
        trip.errors.push(this.recordError(`cancel of ${o.instId} ${o.ordId || o.clOrdId} failed`, err));
      }
    }
  }
}
