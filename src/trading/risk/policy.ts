import type { Decimal } from '../../util/decimal.js';
import { ValidationError } from '../../util/errors.js';
import { GuardRejection } from '../errors.js';
import type { Position } from '../exchange-port.js';
import { positionDirection } from '../exchange-port.js';
import { D, pairOf, type RiskFigures } from './ledger.js';
import type { SharedRiskView } from './shared.js';

/**
 * The risk policy: pure functions from limits and the ledger's figures to decisions (a breach, a
 * refusal). No state, no effects.
 */

export interface RiskLimits {
  /**
   * The reporting currency (default "USDT"): every amount below is in it. Each instrument's PnL
   * is in its quote currency and is converted by the mark of `<QUOTE>-<ccy>` (or `<ccy>-<QUOTE>`).
   */
  ccy?: string;
  /** Loss since the start of the UTC day (realised + unrealised, fees included) that trips. */
  maxDailyLoss?: string;
  /** Fall of equity from its peak that trips. */
  maxDrawdown?: string;
  /** Percent fall of equity from its peak that trips: above 0, below 100; needs startingEquity above 0. */
  maxDrawdownPct?: string;
  maxOpenOrders?: number;
  /** Absolute base-currency position per instrument (one value for all, or per instId). */
  maxPosition?: string | Record<string, string>;
  /**
   * Gross exposure: the sum over instruments of |net position| x its value in `ccy`. An order
   * that would take it above this is refused (orders that reduce a position always pass). With a
   * shared risk scope it is the account's exposure over every process.
   */
  maxExposure?: string;
  /** Equity when the manager starts; PnL is added to it. Default "0". */
  startingEquity?: string;
  /**
   * Derivatives: the highest leverage an open position may run at: its leverage setting, or for
   * an isolated position its value at the mark over its margin plus unrealised PnL when that is
   * higher (losses raise it).
   */
  maxLeverage?: string;
  /**
   * Derivatives: the lowest margin ratio a position may fall to, in OKX's unit (`mgnRatio`:
   * equity over maintenance margin; 1 = liquidation, docs/OKX-PROTOCOL.md §10), e.g. "3".
   */
  minMarginRatio?: string;
  /** Derivatives: the closest the mark may come to a position's liquidation price, in percent of the mark. */
  minLiqDistancePct?: string;
  /**
   * What a trip does to open positions besides cancelling orders: `cancel-only` (default) leaves
   * them, `reduce` sends a reduce-only market order for `reduceFraction` of each, `close-all`
   * closes each whole. The orders go through the journal (exactly once) while trading is halted.
   */
  onTrip?: BreakerAction;
  /** Share of each position `reduce` closes: above 0, at most 1. Default "0.5". */
  reduceFraction?: string;
}

/** What a risk trip does to open positions besides cancelling orders (see RiskLimits.onTrip). */
export type BreakerAction = 'cancel-only' | 'reduce' | 'close-all';

/** A risk limit that can trip: daily loss, drawdown (absolute or percent), open orders, position, the derivatives limits (leverage, margin ratio, liquidation distance), or the kill switch. */
export type RiskRule =
  | 'maxDailyLoss'
  | 'maxDrawdown'
  | 'maxDrawdownPct'
  | 'maxOpenOrders'
  | 'maxPosition'
  | 'maxLeverage'
  | 'minMarginRatio'
  | 'minLiqDistancePct'
  | 'killSwitch';

/** A limit that is breached: which, in words, and the numbers. */
export interface Breach {
  rule: RiskRule;
  message: string;
  numbers: Record<string, string>;
}

function checkDec(field: string, v: string | undefined): void {
  if (v !== undefined && !/^\d+(\.\d+)?$/.test(v))
    throw new ValidationError(field, `"${v}" is not a non-negative decimal string`, 'e.g. "250"');
}

/** Refuses limits that cannot be applied, each naming the field and the fix. */
export function checkLimits(l: RiskLimits): void {
  if (l.ccy !== undefined && !/^[A-Z0-9]{1,15}$/.test(l.ccy))
    throw new ValidationError('ccy', `"${l.ccy}" is not a currency code`, 'e.g. "USDT"');
  checkDec('maxDailyLoss', l.maxDailyLoss);
  checkDec('maxDrawdown', l.maxDrawdown);
  checkDec('maxDrawdownPct', l.maxDrawdownPct);
  checkDec('startingEquity', l.startingEquity);
  checkDec('maxExposure', l.maxExposure);
  if (l.maxDrawdownPct !== undefined) {
    const pct = new D(l.maxDrawdownPct);
    if (pct.lte(0) || pct.gte(100))
      throw new ValidationError(
        'maxDrawdownPct',
        `${l.maxDrawdownPct} is not a percentage above 0 and below 100`,
        'e.g. "10" to trip when equity falls 10% below its peak',
      );
    if (!new D(l.startingEquity ?? '0').gt(0))
      throw new ValidationError(
        'maxDrawdownPct',
        'needs startingEquity above 0: a percent of PnL alone is meaningless',
        `set startingEquity to the equity (in ${l.ccy ?? 'USDT'}) at the start, or use maxDrawdown (an amount)`,
      );
  }
  checkDec('maxLeverage', l.maxLeverage);
  checkDec('minMarginRatio', l.minMarginRatio);
  checkDec('minLiqDistancePct', l.minLiqDistancePct);
  if (l.onTrip !== undefined && !['cancel-only', 'reduce', 'close-all'].includes(l.onTrip))
    throw new ValidationError(
      'onTrip',
      `"${String(l.onTrip)}" is not a breaker action`,
      'cancel-only, reduce or close-all',
    );
  if (l.reduceFraction !== undefined) {
    checkDec('reduceFraction', l.reduceFraction);
    const f = new D(l.reduceFraction);
    if (f.lte(0) || f.gt(1))
      throw new ValidationError(
        'reduceFraction',
        `${l.reduceFraction} is not above 0 and at most 1`,
        'e.g. "0.5" to halve each position',
      );
  }
  if (typeof l.maxPosition === 'string') checkDec('maxPosition', l.maxPosition);
  else for (const [k, v] of Object.entries(l.maxPosition ?? {})) checkDec(`maxPosition.${k}`, v);
  if (l.maxOpenOrders !== undefined && (!Number.isInteger(l.maxOpenOrders) || l.maxOpenOrders < 0)) {
    throw new ValidationError('maxOpenOrders', 'must be a non-negative integer', 'e.g. 50');
  }
}

export function maxPositionFor(l: RiskLimits, instId: string): string | undefined {
  const m = l.maxPosition;
  return typeof m === 'string' ? m : m?.[instId];
}

export function hasLossLimit(l: RiskLimits): boolean {
  return l.maxDailyLoss !== undefined || l.maxDrawdown !== undefined || l.maxDrawdownPct !== undefined;
}

/**
 * The first breached limit, if any: the loss limits on complete figures only (undefined figures
 * = a currency without a mark: not judged on part of the total), then open orders and positions.
 */
export function breachOf(
  l: RiskLimits,
  ccy: string,
  f: RiskFigures | undefined,
  openCount: number,
  positions: Map<string, Decimal>,
): Breach | undefined {
  const c = ccy;
  if (f) {
    if (l.maxDailyLoss !== undefined && f.daily.neg().gt(l.maxDailyLoss)) {
      return {
        rule: 'maxDailyLoss',
        message: `daily loss limit reached: ${f.daily.neg().toFixed()} ${c} lost today, limit ${l.maxDailyLoss} ${c}`,
        numbers: { dailyPnl: f.daily.toFixed(), maxDailyLoss: l.maxDailyLoss },
      };
    }
    if (l.maxDrawdown !== undefined && f.drawdown.gt(l.maxDrawdown)) {
      return {
        rule: 'maxDrawdown',
        message: `drawdown from peak equity reached its limit: equity ${f.equity.toFixed()} ${c} is ${f.drawdown.toFixed()} ${c} below its peak ${f.peak.toFixed()} ${c}, limit ${l.maxDrawdown} ${c}`,
        numbers: {
          peakEquity: f.peak.toFixed(),
          equity: f.equity.toFixed(),
          drawdown: f.drawdown.toFixed(),
          maxDrawdown: l.maxDrawdown,
        },
      };
    }
    if (l.maxDrawdownPct !== undefined && f.peak.gt(0)) {
      const pct = f.drawdown.div(f.peak).mul(100);
      if (pct.gt(l.maxDrawdownPct)) {
        const shown = pct.toDecimalPlaces(4).toFixed();
        return {
          rule: 'maxDrawdownPct',
          message: `drawdown from peak equity reached its limit: equity ${f.equity.toFixed()} ${c} is ${shown}% below its peak ${f.peak.toFixed()} ${c}, limit ${l.maxDrawdownPct}%`,
          numbers: {
            peakEquity: f.peak.toFixed(),
            equity: f.equity.toFixed(),
            drawdown: f.drawdown.toFixed(),
            drawdownPct: shown,
            maxDrawdownPct: l.maxDrawdownPct,
          },
        };
      }
    }
  }
  if (l.maxOpenOrders !== undefined && openCount > l.maxOpenOrders) {
    return {
      rule: 'maxOpenOrders',
      message: 'more open orders than allowed',
      numbers: { openOrders: String(openCount), maxOpenOrders: String(l.maxOpenOrders) },
    };
  }
  for (const [instId, pos] of positions) {
    const max = maxPositionFor(l, instId);
    if (max !== undefined && pos.abs().gt(max)) {
      return {
        rule: 'maxPosition',
        message: `position in ${instId} above its limit`,
        numbers: { instId, position: pos.toFixed(), maxPosition: max },
      };
    }
  }
  return undefined;
}

/**
 * Whether one more order may go out: the refusal (a GuardRejection) or undefined. The worst case
 * is that the whole order fills.
 */
export function preTradeRefusal(
  l: RiskLimits,
  ccy: string,
  o: { instId: string; side: 'buy' | 'sell'; baseSz: Decimal },
  state: { openCount: number; position: Decimal; unconverted: string[] },
): GuardRejection | undefined {
  const maxOpen = l.maxOpenOrders;
  if (maxOpen !== undefined && state.openCount + 1 > maxOpen) {
    return new GuardRejection('maxOpenOrders', o.instId, 'one more order would exceed the open-order limit', {
      openOrders: String(state.openCount),
      maxOpenOrders: String(maxOpen),
    });
  }
  const pos = state.position;
  const after = o.side === 'buy' ? pos.plus(o.baseSz) : pos.minus(o.baseSz);
  const grows = after.abs().gt(pos.abs());
  const maxPos = maxPositionFor(l, o.instId);
  if (maxPos !== undefined && after.abs().gt(maxPos) && grows) {
    return new GuardRejection('maxPosition', o.instId, 'the order could take the position above its limit', {
      position: pos.toFixed(),
      positionIfFilled: after.toFixed(),
      maxPosition: maxPos,
    });
  }
  if (grows && hasLossLimit(l) && state.unconverted.length > 0) {
    // The loss limits cannot be checked on a partial total: no new exposure until every
    // currency converts; orders that reduce a position still pass.
    return new GuardRejection(
      'unconvertedPnl',
      o.instId,
      `the loss limits cannot be checked: no mark yet to convert ${state.unconverted.join(', ')} into ${ccy}`,
      { position: pos.toFixed(), positionIfFilled: after.toFixed() },
      `feed a ${state.unconverted.map((c) => `${c}-${ccy}`).join(' / ')} price (onMark, followMarks or attach), or set the reporting currency`,
    );
  }
  return undefined;
}

/** Whether any limit needs the account's positions (polled from the exchange). */
export function hasPositionLimit(l: RiskLimits): boolean {
  return l.maxLeverage !== undefined || l.minMarginRatio !== undefined || l.minLiqDistancePct !== undefined;
}

/** What the policy reads of a position, computed at its mark. */
export interface PositionRisk {
  instId: string;
  posSide: string;
  /** The leverage the limit compares: the setting, or the isolated effective leverage when higher. */
  leverage: Decimal | undefined;
  marginRatio: Decimal | undefined;
  /** |mark - liqPx| / mark x 100; undefined without a liquidation price. */
  liqDistancePct: Decimal | undefined;
}

const decOr = (v: string | undefined): Decimal | undefined =>
  v !== undefined && /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v) ? new D(v) : undefined;

/**
 * A position's leverage, margin ratio and liquidation distance at its mark. Linear contracts are
 * worth contracts x ctVal x mark in the settlement currency, inverse ones contracts x ctVal / mark
 * in the coin (docs/OKX-PROTOCOL.md §10); `ctVal` undefined counts 1.
 */
export function positionRisk(p: Position, ctVal: string | undefined): PositionRisk {
  const mark = decOr(p.markPx);
  const liq = decOr(p.liqPx);
  const setting = decOr(p.lever);
  let leverage = setting;
  if (p.mgnMode === 'isolated' && mark?.gt(0)) {
    const contracts = new D(p.pos || '0').abs();
    const cv = new D(ctVal ?? '1');
    const inverse = pairOf(p.instId)[1] === 'USD';
    const value = inverse ? contracts.mul(cv).div(mark) : contracts.mul(cv).mul(mark);
    const avg = decOr(p.avgPx);
    const dir = positionDirection(p);
    let upl = new D(0);
    if (avg?.gt(0))
      upl = inverse
        ? contracts
            .mul(cv)
            .mul(new D(1).div(avg).minus(new D(1).div(mark)))
            .mul(dir)
        : contracts.mul(cv).mul(mark.minus(avg)).mul(dir);
    const equity = new D(p.margin || '0').plus(upl);
    // No equity left: leverage without bound.
    const eff = equity.gt(0) ? value.div(equity) : new D(Infinity);
    if (value.gt(0) && (leverage === undefined || eff.gt(leverage))) leverage = eff;
  }
  const marginRatio = decOr(p.mgnRatio);
  const liqDistancePct = mark?.gt(0) && liq?.gt(0) ? mark.minus(liq).abs().div(mark).mul(100) : undefined;
  return { instId: p.instId, posSide: p.posSide, leverage, marginRatio, liqDistancePct };
}

/** A limit's worst position: where (instId, and side when hedged) and the figure there. */
export interface WorstPosition {
  where: string;
  value: string;
}

/**
 * Per derivatives limit, the position nearest to it: the highest leverage, the lowest margin
 * ratio, the smallest liquidation distance (undefined when no position has the figure).
 */
export function worstPositions(
  positions: readonly Position[],
  ctValOf: (instId: string) => string | undefined = () => undefined,
): { leverage?: WorstPosition; marginRatio?: WorstPosition; liqDistancePct?: WorstPosition } {
  let lev: [Decimal, string] | undefined;
  let ratio: [Decimal, string] | undefined;
  let dist: [Decimal, string] | undefined;
  for (const p of positions) {
    if (new D(p.pos || '0').isZero()) continue;
    const r = positionRisk(p, ctValOf(p.instId));
    const where = `${p.instId}${p.posSide === 'net' ? '' : ` ${p.posSide}`}`;
    if (r.leverage && (!lev || r.leverage.gt(lev[0]))) lev = [r.leverage, where];
    if (r.marginRatio && (!ratio || r.marginRatio.lt(ratio[0]))) ratio = [r.marginRatio, where];
    if (r.liqDistancePct && (!dist || r.liqDistancePct.lt(dist[0]))) dist = [r.liqDistancePct, where];
  }
  const w = (x: [Decimal, string] | undefined) => (x ? { where: x[1], value: shown(x[0]) } : undefined);
  return { leverage: w(lev), marginRatio: w(ratio), liqDistancePct: w(dist) };
}

const shown = (x: Decimal) => (x.isFinite() ? x.toDecimalPlaces(4).toFixed() : 'unbounded');

/** The first position beyond a derivatives limit (leverage, margin ratio, liquidation distance). */
export function positionBreachOf(
  l: RiskLimits,
  positions: readonly Position[],
  ctValOf: (instId: string) => string | undefined = () => undefined,
): Breach | undefined {
  for (const p of positions) {
    if (new D(p.pos || '0').isZero()) continue;
    const r = positionRisk(p, ctValOf(p.instId));
    const where = `${p.instId}${p.posSide === 'net' ? '' : ` ${p.posSide}`}`;
    const base = { instId: p.instId, posSide: p.posSide, pos: p.pos, markPx: p.markPx };
    if (l.maxLeverage !== undefined && r.leverage?.gt(l.maxLeverage)) {
      return {
        rule: 'maxLeverage',
        message: `${where} runs at ${shown(r.leverage)}x leverage, limit ${l.maxLeverage}x`,
        numbers: { ...base, leverage: shown(r.leverage), maxLeverage: l.maxLeverage },
      };
    }
    if (l.minMarginRatio !== undefined && r.marginRatio?.lt(l.minMarginRatio)) {
      return {
        rule: 'minMarginRatio',
        message: `${where} margin ratio ${shown(r.marginRatio)} is below ${l.minMarginRatio} (1 = liquidation)`,
        numbers: { ...base, mgnRatio: p.mgnRatio, minMarginRatio: l.minMarginRatio },
      };
    }
    if (l.minLiqDistancePct !== undefined && r.liqDistancePct?.lt(l.minLiqDistancePct)) {
      return {
        rule: 'minLiqDistancePct',
        message: `${where} mark ${p.markPx} is ${shown(r.liqDistancePct)}% from its liquidation price ${p.liqPx}, limit ${l.minLiqDistancePct}%`,
        numbers: {
          ...base,
          liqPx: p.liqPx,
          liqDistancePct: shown(r.liqDistancePct),
          minLiqDistancePct: l.minLiqDistancePct,
        },
      };
    }
  }
  return undefined;
}

/** A market order that reduces a position (reduce-only in net mode, closing its side in long/short). */
export interface PositionOrder {
  instId: string;
  side: 'buy' | 'sell';
  sz: string;
  tdMode: 'cross' | 'isolated';
  posSide?: 'long' | 'short';
  reduceOnly?: true;
}

/**
 * The reduce-only market orders a breaker action sends for the positions: `reduce` closes
 * `fraction` of each (down to the lot, at least one lot, never more than the position),
 * `close-all` each whole; `cancel-only` none. In net mode the order is reduce-only; in long/short
 * mode it names the side it closes (OKX takes reduceOnly in net mode only, docs/OKX-PROTOCOL.md §10).
 */
export function positionOrders(
  action: BreakerAction,
  fraction: string,
  positions: readonly Position[],
  lotOf: (instId: string) => { lotSz: string; minSz: string },
): Array<{ position: Position; order: PositionOrder }> {
  if (action === 'cancel-only') return [];
  const out: Array<{ position: Position; order: PositionOrder }> = [];
  for (const p of positions) {
    const held = new D(p.pos || '0').abs();
    const dir = positionDirection(p);
    if (held.isZero() || dir === 0) continue;
    let sz = held;
    if (action === 'reduce') {
      const { lotSz, minSz } = lotOf(p.instId);
      const lot = new D(lotSz);
      sz = held.mul(fraction).div(lot).floor().mul(lot);
      sz = D.min(held, D.max(sz, new D(minSz || lotSz)));
    }
    out.push({
      position: p,
      order: {
        instId: p.instId,
        side: dir > 0 ? 'sell' : 'buy',
        sz: sz.toFixed(),
        tdMode: p.mgnMode,
        ...(p.posSide === 'net' ? { reduceOnly: true as const } : { posSide: p.posSide }),
      },
    });
  }
  return out;
}

/**
 * The first account-wide limit the shared totals breach: the day's loss over every run, then the
 * net position of an instrument over every run.
 */
export function sharedBreachOf(l: RiskLimits, ccy: string, v: SharedRiskView): Breach | undefined {
  const daily = new D(v.dailyPnl);
  if (l.maxDailyLoss !== undefined && daily.neg().gt(l.maxDailyLoss)) {
    return {
      rule: 'maxDailyLoss',
      message: `account-wide daily loss limit reached: ${daily.neg().toFixed()} ${ccy} lost today over ${v.runs} runs, limit ${l.maxDailyLoss} ${ccy}`,
      numbers: { accountDailyPnl: v.dailyPnl, maxDailyLoss: l.maxDailyLoss, runs: String(v.runs) },
    };
  }
  for (const [instId, pos] of Object.entries(v.positions)) {
    const max = maxPositionFor(l, instId);
    if (max !== undefined && new D(pos).abs().gt(max)) {
      return {
        rule: 'maxPosition',
        message: `account-wide position in ${instId} above its limit`,
        numbers: { instId, accountPosition: pos, maxPosition: max },
      };
    }
  }
  return undefined;
}

/**
 * Whether an order that grows a position fits the position and exposure limits: `pos` is the
 * position it changes (this process's, or the account's with a shared scope), `exposure` the gross
 * exposure now (undefined: unknown) and `unit` one base unit of the order in `ccy` (undefined:
 * unknown). Unknown figures refuse (fail closed). `where` says whose figures they are.
 */
export function exposureRefusal(
  l: RiskLimits,
  ccy: string,
  o: { instId: string; side: 'buy' | 'sell'; baseSz: Decimal },
  state: { pos: Decimal; exposure: Decimal | undefined; unit: Decimal | undefined; where: string },
): GuardRejection | undefined {
  const { pos } = state;
  const after = o.side === 'buy' ? pos.plus(o.baseSz) : pos.minus(o.baseSz);
  const grows = after.abs().gt(pos.abs());
  if (!grows) return undefined;
  const maxPos = maxPositionFor(l, o.instId);
  if (maxPos !== undefined && after.abs().gt(maxPos)) {
    return new GuardRejection(
      'maxPosition',
      o.instId,
      `the order could take the ${state.where} position above its limit`,
      { position: pos.toFixed(), positionIfFilled: after.toFixed(), maxPosition: maxPos },
    );
  }
  const maxExp = l.maxExposure;
  if (maxExp === undefined) return undefined;
  if (state.exposure === undefined || state.unit === undefined)
    return new GuardRejection(
      'maxExposure',
      o.instId,
      `the ${state.where} exposure cannot be valued in ${ccy}: a position or the order has no price yet`,
      { maxExposure: maxExp },
      'feed the marks (onMark, followMarks or attach) of the instruments and their quote currencies',
    );
  const next = state.exposure.plus(after.abs().minus(pos.abs()).mul(state.unit));
  if (next.gt(maxExp))
    return new GuardRejection(
      'maxExposure',
      o.instId,
      `the order could take the ${state.where} exposure above its limit`,
      {
        exposure: state.exposure.toDecimalPlaces(8).toFixed(),
        exposureIfFilled: next.toDecimalPlaces(8).toFixed(),
        maxExposure: maxExp,
      },
    );
  return undefined;
}
