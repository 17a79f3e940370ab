import { Decimal } from '../util/decimal.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import type {
  ExchangePort,
  Instrument,
  LeverageSetting,
  OrderIntent,
  Position,
  Ticker,
} from './exchange-port.js';
import { GuardRejection } from './errors.js';

/**
 * How prices and sizes off the tick/lot grid are handled:
 * - `conservative`: sizes round down; a buy price rounds down and a sell price up, so a rounded
 *   order is never larger nor more aggressive than the one asked for;
 * - `reject`: anything off the grid is refused.
 */
export type RoundingPolicy = 'conservative' | 'reject';

/** The limits `OrderGuard` checks before an order leaves: rounding, price band (percent), notional, leverage and position caps, and how fresh instrument and ticker data must be (ms). */
export interface GuardLimits {
  rounding?: RoundingPolicy;
  /** Fat-finger band in percent of the reference price (best ask for buys, best bid for sells, else last). Default "5". */
  bandPct?: string;
  /**
   * `aggressive` (default) refuses only prices that would trade through the band (a buy above
   * it, a sell below it): a passive order far from the market cannot hurt. `both` also refuses
   * passive prices outside the band.
   */
  bandMode?: 'aggressive' | 'both';
  /** Quote-currency cap on one order's notional. */
  maxNotionalPerOrder?: string;
  /** Quote-currency cap on open orders + the new one, per instrument (one value for all, or per instId). */
  maxNotionalPerInstrument?: string | Record<string, string>;
  /**
   * Derivatives: the highest leverage an order may trade at (the instrument's setting for the
   * order's margin mode), one value for all or per instId. The instrument's own maximum applies
   * too. Reduce-only orders are exempt.
   */
  maxLeverage?: string | Record<string, string>;
  /**
   * Derivatives: cap on a position's notional (contracts x contract value x price, in the
   * settlement or quote currency; USD for inverse contracts) after the order, one value for all
   * or per instId. Only orders that grow a position are checked.
   */
  maxPositionNotional?: string | Record<string, string>;
  /** How long an instrument's rules are cached (ms). Default 60 s. */
  instrumentTtlMs?: number;
  /** How old a reference price may be (ms). Default 1 s. */
  tickerMaxAgeMs?: number;
}

/** What the guard asks of the risk layer; RiskManager implements it. */
export interface RiskGate {
  /** A reason string while new orders are halted (kill switch or a tripped breaker), else undefined. */
  haltReason(): string | undefined;
  /** Throws a GuardRejection when the order would breach a risk limit (open orders, position, exposure). */
  preTrade?(order: { instId: string; side: 'buy' | 'sell'; baseSz: Decimal; notional: Decimal }): void;
  /**
   * After preTrade: rejects with a GuardRejection when the order would breach an account-wide
   * limit (a shared risk scope, one round trip) or the scope cannot be reached.
   */
  preTradeAccount?(order: {
    instId: string;
    side: 'buy' | 'sell';
    baseSz: Decimal;
    notional: Decimal;
    /** The intent is flagged reduce-only: it cannot add exposure. */
    reduceOnly?: boolean;
  }): Promise<void>;
}

export type GuardMarket = Pick<ExchangePort, 'instrument' | 'ticker' | 'openOrders'> &
  Partial<Pick<ExchangePort, 'positions' | 'leverage'>>;

/**
 * What `sz` contracts (or base units, on spot) are worth at `px`: linear contracts sz x ctVal x
 * px in the quote currency, inverse contracts sz x ctVal in USD, spot sz x px.
 */
export function orderNotional(inst: Instrument, sz: Decimal, px: Decimal): Decimal {
  if (inst.ctVal === undefined || inst.instType === 'SPOT' || inst.instType === 'MARGIN') return sz.mul(px);
  if (inst.ctType === 'inverse') return sz.mul(inst.ctVal);
  return sz.mul(inst.ctVal).mul(px);
}

const isDerivative = (inst: Instrument) =>
  inst.instType === 'SWAP' || inst.instType === 'FUTURES' || inst.instType === 'OPTION';

/** Contracts of a position on the long (+) or short (-) side. */
function signedPos(p: Position): Decimal {
  const n = new Decimal(p.pos || '0');
  if (p.posSide === 'short') return n.abs().neg();
  if (p.posSide === 'long') return n.abs();
  return n;
}

/** The fat-finger band, in percent of the reference price, unless GuardLimits.bandPct says otherwise. */
export const DEFAULT_BAND_PCT = '5';

const LIMIT_TYPES = new Set(['limit', 'post_only', 'fok', 'ioc']);

function dec(field: string, v: string | undefined, instId: string): Decimal {
  if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) {
    throw new GuardRejection('invalidIntent', instId, `${field} must be a positive decimal string`, {
      [field]: String(v),
    });
  }
  const d = new Decimal(v);
  if (d.lte(0))
    throw new GuardRejection('invalidIntent', instId, `${field} must be greater than 0`, { [field]: v });
  return d;
}

function onGrid(x: Decimal, step: Decimal): boolean {
  return x.mod(step).isZero();
}

function toStep(x: Decimal, step: Decimal, down: boolean): Decimal {
  return x
    .div(step)
    .toDecimalPlaces(0, down ? Decimal.ROUND_DOWN : Decimal.ROUND_UP)
    .mul(step);
}

/**
 * Pre-trade checks run before anything is signed (docs/REQUIREMENTS.md R22): instrument live, tick/lot grid, min and
 * max size, price band, notional caps, risk state. Returns the intent as it may be sent
 * (rounded by the policy) or throws a GuardRejection naming the rule and the numbers.
 */
export class OrderGuard {
  private readonly market: GuardMarket;
  private readonly risk: RiskGate | undefined;
  private readonly clock: Clock;
  readonly limits: Readonly<
    Required<Pick<GuardLimits, 'rounding' | 'bandPct' | 'bandMode' | 'instrumentTtlMs' | 'tickerMaxAgeMs'>>
  > &
    GuardLimits;
  private readonly instruments = new Map<string, { at: number; p: Promise<Instrument> }>();
  private readonly tickers = new Map<string, { at: number; p: Promise<Ticker> }>();
  private readonly positionsCache = new Map<string, { at: number; p: Promise<Position[]> }>();

  constructor(opts: { market: GuardMarket; risk?: RiskGate; clock?: Clock; limits?: GuardLimits }) {
    this.market = opts.market;
    this.risk = opts.risk;
    this.clock = opts.clock ?? systemClock;
    const l = opts.limits ?? {};
    for (const [k, v] of Object.entries({ bandPct: l.bandPct, maxNotionalPerOrder: l.maxNotionalPerOrder })) {
      if (v !== undefined && !/^\d+(\.\d+)?$/.test(v))
        throw new ValidationError(k, `"${v}" is not a decimal string`, 'e.g. "5"');
    }
    if (l.rounding && l.rounding !== 'conservative' && l.rounding !== 'reject') {
      throw new ValidationError(
        'rounding',
        `unknown policy "${String(l.rounding)}"`,
        'use "conservative" or "reject"',
      );
    }
    this.limits = {
      ...l,
      rounding: l.rounding ?? 'conservative',
      bandPct: l.bandPct ?? DEFAULT_BAND_PCT,
      bandMode: l.bandMode ?? 'aggressive',
      instrumentTtlMs: l.instrumentTtlMs ?? 60_000,
      tickerMaxAgeMs: l.tickerMaxAgeMs ?? 1_000,
    };
  }

  // Single-flight caches: concurrent checks share one lookup instead of stampeding the
  // exchange's rate limit (tickers: 20 per 2 s per IP, docs/OKX-PROTOCOL.md §5).
  private async instrument(instId: string): Promise<Instrument> {
    const now = this.clock.now();
    const hit = this.instruments.get(instId);
    if (hit && now - hit.at < this.limits.instrumentTtlMs) return hit.p;
    const p = this.market.instrument(instId);
    this.instruments.set(instId, { at: now, p });
    p.catch(() => this.instruments.get(instId)?.p === p && this.instruments.delete(instId));
    return p;
  }

  private async ticker(instId: string): Promise<Ticker> {
    const now = this.clock.now();
    const hit = this.tickers.get(instId);
    if (hit && now - hit.at < this.limits.tickerMaxAgeMs) return hit.p;
    const p = this.market.ticker(instId);
    this.tickers.set(instId, { at: now, p });
    p.catch(() => this.tickers.get(instId)?.p === p && this.tickers.delete(instId));
    return p;
  }

  private capFor(instId: string): string | undefined {
    const c = this.limits.maxNotionalPerInstrument;
    return typeof c === 'string' ? c : c?.[instId];
  }

  private limitFor(v: string | Record<string, string> | undefined, instId: string): string | undefined {
    return typeof v === 'string' ? v : v?.[instId];
  }

  /** The instrument's positions, cached like tickers (positions are limited at 10 per 2 s). */
  private async positionsOf(instId: string): Promise<Position[]> {
    const positions = this.market.positions;
    if (!positions) return [];
    const now = this.clock.now();
    const hit = this.positionsCache.get(instId);
    if (hit && now - hit.at < this.limits.tickerMaxAgeMs) return hit.p;
    const p = positions.call(this.market, instId);
    this.positionsCache.set(instId, { at: now, p });
    p.catch(() => this.positionsCache.get(instId)?.p === p && this.positionsCache.delete(instId));
    return p;
  }

  private readonly leverageCache = new Map<string, { at: number; p: Promise<LeverageSetting[]> }>();

  /** The instrument's leverage settings, cached like the instrument rules (leverage-info: 20 per 2 s). */
  private leverageOf(instId: string, mgnMode: 'cross' | 'isolated'): Promise<LeverageSetting[]> {
    const key = `${instId}|${mgnMode}`;
    const now = this.clock.now();
    const hit = this.leverageCache.get(key);
    if (hit && now - hit.at < this.limits.instrumentTtlMs) return hit.p;
    const p = this.market.leverage!.call(this.market, instId, mgnMode);
    this.leverageCache.set(key, { at: now, p });
    p.catch(() => this.leverageCache.get(key)?.p === p && this.leverageCache.delete(key));
    return p;
  }

  /** Forgets cached positions (after a fill, so the next check sees the new size). */
  invalidatePositions(instId?: string): void {
    if (instId === undefined) this.positionsCache.clear();
    else this.positionsCache.delete(instId);
  }

  // long: reduce-only, leverage and position-size checks share the position and side they face
  /** Reduce-only, leverage and position-size checks of a derivatives order. */
  private async checkDerivative(
    intent: OrderIntent,
    inst: Instrument,
    sz: Decimal,
    price: Decimal | undefined,
  ): Promise<void> {
    const { instId } = intent;
    const maxPos = this.limitFor(this.limits.maxPositionNotional, instId);
    const needPositions = intent.reduceOnly === true || maxPos !== undefined;
    const positions = needPositions
      ? (await this.positionsOf(instId)).filter((p) => p.instId === instId)
      : [];
    // The side this order acts on: in long/short mode its posSide; in net mode the net position.
    const ls = intent.posSide === 'long' || intent.posSide === 'short';
    const relevant = positions.filter((p) => (ls ? p.posSide === intent.posSide : p.posSide === 'net'));
    const current = relevant.reduce((a, p) => a.plus(signedPos(p)), new Decimal(0));
    const delta = intent.side === 'buy' ? sz : sz.neg();
    if (intent.reduceOnly === true) {
      // A reduce-only order may only shrink the position it faces, never open or flip one.
      const closable =
        current.isZero() || current.isPositive() === delta.isPositive() ? new Decimal(0) : current.abs();
      if (closable.isZero()) {
        throw new GuardRejection(
          'reduceOnly',
          instId,
          `a reduce-only ${intent.side} has no position to reduce`,
          {
            position: current.toFixed(),
            sz: sz.toFixed(),
          },
        );
      }
      if (sz.gt(closable)) {
        throw new GuardRejection('reduceOnly', instId, 'a reduce-only order is larger than the position', {
          position: current.toFixed(),
          sz: sz.toFixed(),
        });
      }
      return;
    }
    const maxLev = this.limitFor(this.limits.maxLeverage, instId);
    if (
      (maxLev !== undefined || inst.lever !== undefined) &&
      this.market.leverage &&
      intent.tdMode !== 'cash'
    ) {
      const mgnMode = intent.tdMode === 'isolated' ? 'isolated' : 'cross';
      const settings = await this.leverageOf(instId, mgnMode);
      const cap = [maxLev, inst.lever]
        .filter((x): x is string => x !== undefined && x !== '')
        .map((x) => new Decimal(x))
        .reduce((a, b) => Decimal.min(a, b));
      for (const st of settings) {
        if (st.posSide && ls && st.posSide !== intent.posSide) continue;
        if (new Decimal(st.lever || '0').gt(cap)) {
          throw new GuardRejection(
            'maxLeverage',
            instId,
            `leverage ${st.lever}x is above the allowed ${cap.toFixed()}x`,
            {
              lever: st.lever,
              maxLeverage: cap.toFixed(),
              ...(maxLev !== undefined ? { limit: maxLev } : {}),
              ...(inst.lever !== undefined ? { instrumentMax: inst.lever } : {}),
            },
          );
        }
      }
    }
    if (maxPos !== undefined) {
      const after = current.plus(delta);
      if (after.abs().gt(current.abs())) {
        if (!price)
          throw new GuardRejection('maxPositionNotional', instId, 'no price to value the position with', {});
        const notional = orderNotional(inst, after.abs(), price);
        if (notional.gt(maxPos)) {
          throw new GuardRejection(
            'maxPositionNotional',
            instId,
            'the position after this order is above the cap',
            {
              position: current.toFixed(),
              positionAfter: after.toFixed(),
              notionalAfter: notional.toFixed(),
              maxPositionNotional: maxPos,
            },
          );
        }
      }
    }
  }

  // long: the guard checks in the order an order must pass them (instrument, size, price band, notional), each refusing with its own error
  async check(intent: OrderIntent): Promise<OrderIntent> {
    const { instId } = intent;
    const halted = this.risk?.haltReason();
    if (halted !== undefined) {
      throw new GuardRejection(
        'halted',
        instId,
        `trading is halted: ${halted}`,
        {},
        'Lift it with `okxkit resume --why "..."` once the cause is understood.',
      );
    }
    if (intent.side !== 'buy' && intent.side !== 'sell') {
      throw new GuardRejection('invalidIntent', instId, 'side must be "buy" or "sell"', {
        side: String(intent.side),
      });
    }
    const isLimit = LIMIT_TYPES.has(intent.ordType);
    if (!isLimit && intent.ordType !== 'market') {
      throw new GuardRejection('invalidIntent', instId, 'unknown ordType', {
        ordType: String(intent.ordType),
      });
    }
    let sz = dec('sz', intent.sz, instId);
    let px = isLimit ? dec('px', intent.px, instId) : undefined;

    const inst = await this.instrument(instId);
    if (inst.state !== 'live') {
      throw new GuardRejection('instrumentState', instId, `instrument is not live`, { state: inst.state });
    }
    const tick = new Decimal(inst.tickSz);
    const lot = new Decimal(inst.lotSz);
    // A spot market buy is sized in the quote currency by default (docs/OKX-PROTOCOL.md §7.4 tgtCcy): the lot
    // grid and base-size limits do not apply to it, its notional is its size.
    const quoteSized =
      intent.ordType === 'market' &&
      intent.side === 'buy' &&
      intent.tgtCcy !== 'base_ccy' &&
      inst.instType === 'SPOT';

    if (px) {
      if (!onGrid(px, tick)) {
        if (this.limits.rounding === 'reject') {
          throw new GuardRejection('tickSz', instId, 'price is not a multiple of tickSz', {
            px: px.toFixed(),
            tickSz: inst.tickSz,
          });
        }
        // Never more aggressive: a buy rounds down, a sell rounds up.
        px = toStep(px, tick, intent.side === 'buy');
      }
    }
    if (!quoteSized) {
      if (!onGrid(sz, lot)) {
        if (this.limits.rounding === 'reject') {
          throw new GuardRejection('lotSz', instId, 'size is not a multiple of lotSz', {
            sz: sz.toFixed(),
            lotSz: inst.lotSz,
          });
        }
        sz = toStep(sz, lot, true);
      }
      if (sz.lt(inst.minSz)) {
        throw new GuardRejection('minSz', instId, 'size is below the minimum', {
          sz: sz.toFixed(),
          requestedSz: intent.sz,
          minSz: inst.minSz,
        });
      }
      const maxField = isLimit ? 'maxLmtSz' : 'maxMktSz';
      const max = inst[maxField];
      if (max !== '' && max !== undefined && sz.gt(max)) {
        throw new GuardRejection('maxSz', instId, `size is above ${maxField}`, {
          sz: sz.toFixed(),
          [maxField]: max,
        });
      }
    }

    const needRef = px !== undefined || !quoteSized;
    let ref: Decimal | undefined;
    if (needRef) {
      const t = await this.ticker(instId);
      const side = intent.side === 'buy' ? t.askPx : t.bidPx;
      const pick = side && new Decimal(side || '0').gt(0) ? side : t.last;
      if (pick && new Decimal(pick).gt(0)) ref = new Decimal(pick);
    }
    if (px !== undefined) {
      if (!ref)
        throw new GuardRejection('priceBand', instId, 'no reference price to check the band against', {});
      const band = ref.mul(this.limits.bandPct).div(100);
      const hi = ref.plus(band);
      const lo = ref.minus(band);
      const aggressive = intent.side === 'buy' ? px.gt(hi) : px.lt(lo);
      const passive = intent.side === 'buy' ? px.lt(lo) : px.gt(hi);
      if (aggressive || (this.limits.bandMode === 'both' && passive)) {
        throw new GuardRejection(
          'priceBand',
          instId,
          `price is outside the ${this.limits.bandPct}% band around the market`,
          {
            px: px.toFixed(),
            refPx: ref.toFixed(),
            low: lo.toFixed(),
            high: hi.toFixed(),
          },
        );
      }
    }
    if (isDerivative(inst)) await this.checkDerivative(intent, inst, sz, px ?? ref);
    let notional: Decimal;
    if (quoteSized) notional = sz;
    else {
      const p = px ?? ref;
      if (!p) throw new GuardRejection('maxNotionalPerOrder', instId, 'no price to value the order with', {});
      notional = orderNotional(inst, sz, p);
    }
    const perOrder = this.limits.maxNotionalPerOrder;
    if (perOrder !== undefined && notional.gt(perOrder)) {
      throw new GuardRejection('maxNotionalPerOrder', instId, 'order notional is above the cap', {
        notional: notional.toFixed(),
        maxNotionalPerOrder: perOrder,
      });
    }
    // Contracts are handed to the risk layer in base units (linear: contracts x ctVal).
    const baseSz = quoteSized
      ? ref
        ? sz.div(ref)
        : sz
      : isDerivative(inst) && inst.ctVal !== undefined && inst.ctType !== 'inverse'
        ? sz.mul(inst.ctVal)
        : sz;
    this.risk?.preTrade?.({ instId, side: intent.side, baseSz, notional });
    await this.risk?.preTradeAccount?.({
      instId,
      side: intent.side,
      baseSz,
      notional,
      ...(intent.reduceOnly === true ? { reduceOnly: true } : {}),
    });

    const perInst = this.capFor(instId);
    if (perInst !== undefined) {
      const open = await this.market.openOrders(instId);
      let openNotional = new Decimal(0);
      for (const o of open) {
        if (o.instId !== instId) continue;
        const rest = new Decimal(o.sz || '0').minus(o.accFillSz || '0');
        const p = o.px ? new Decimal(o.px) : (ref ?? new Decimal(0));
        if (rest.gt(0)) openNotional = openNotional.plus(orderNotional(inst, rest, p));
      }
      const total = openNotional.plus(notional);
      if (total.gt(perInst)) {
        throw new GuardRejection(
          'maxNotionalPerInstrument',
          instId,
          'open orders plus this one exceed the per-instrument cap',
          {
            openNotional: openNotional.toFixed(),
            notional: notional.toFixed(),
            total: total.toFixed(),
            maxNotionalPerInstrument: perInst,
          },
        );
      }
    }
    const out: OrderIntent = { ...intent, sz: sz.toFixed() };
    if (px !== undefined) out.px = px.toFixed();
    return out;
  }
}
