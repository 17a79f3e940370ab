import type { Decimal } from '../../util/decimal.js';
import { ValidationError } from '../../util/errors.js';
import { GuardRejection } from '../errors.js';
import { D, type RiskFigures } from './ledger.js';

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
  /** Equity when the manager starts; PnL is added to it. Default "0". */
  startingEquity?: string;
}

/** A risk limit: daily loss, drawdown (absolute or percent), open orders, position, or the kill switch. */
export type RiskRule =
  'maxDailyLoss' | 'maxDrawdown' | 'maxDrawdownPct' | 'maxOpenOrders' | 'maxPosition' | 'killSwitch';

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
