import { ValidationError } from '../../util/errors.js';

export const SECOND = 1000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
const UTC8 = 8 * HOUR;

type BarKind =
  | { kind: 'fixed'; ms: number; off: number }
  | { kind: 'week'; off: number }
  | { kind: 'month'; months: number; off: number };

/**
 * Every bar OKX documents (docs/OKX-PROTOCOL.md §7.2): 1m..4H; 6H..3M aligned to UTC+8 (Hong Kong time) and
 * their *utc forms aligned to UTC; 1s on history-candles and candle1s only; 5D / 5Dutc on the WS
 * candle channels only (candle5D, candle5Dutc). 2D/3D/5D count days from the epoch.
 */
const BARS: Record<string, BarKind> = {
  '1s': { kind: 'fixed', ms: SECOND, off: 0 },
  '1m': { kind: 'fixed', ms: MINUTE, off: 0 },
  '3m': { kind: 'fixed', ms: 3 * MINUTE, off: 0 },
  '5m': { kind: 'fixed', ms: 5 * MINUTE, off: 0 },
  '15m': { kind: 'fixed', ms: 15 * MINUTE, off: 0 },
  '30m': { kind: 'fixed', ms: 30 * MINUTE, off: 0 },
  '1H': { kind: 'fixed', ms: HOUR, off: 0 },
  '2H': { kind: 'fixed', ms: 2 * HOUR, off: 0 },
  '4H': { kind: 'fixed', ms: 4 * HOUR, off: 0 },
  '6H': { kind: 'fixed', ms: 6 * HOUR, off: UTC8 },
  '12H': { kind: 'fixed', ms: 12 * HOUR, off: UTC8 },
  '1D': { kind: 'fixed', ms: DAY, off: UTC8 },
  '2D': { kind: 'fixed', ms: 2 * DAY, off: UTC8 },
  '3D': { kind: 'fixed', ms: 3 * DAY, off: UTC8 },
  '5D': { kind: 'fixed', ms: 5 * DAY, off: UTC8 },
  '1W': { kind: 'week', off: UTC8 },
  '1M': { kind: 'month', months: 1, off: UTC8 },
  '3M': { kind: 'month', months: 3, off: UTC8 },
  '6Hutc': { kind: 'fixed', ms: 6 * HOUR, off: 0 },
  '12Hutc': { kind: 'fixed', ms: 12 * HOUR, off: 0 },
  '1Dutc': { kind: 'fixed', ms: DAY, off: 0 },
  '2Dutc': { kind: 'fixed', ms: 2 * DAY, off: 0 },
  '3Dutc': { kind: 'fixed', ms: 3 * DAY, off: 0 },
  '5Dutc': { kind: 'fixed', ms: 5 * DAY, off: 0 },
  '1Wutc': { kind: 'week', off: 0 },
  '1Mutc': { kind: 'month', months: 1, off: 0 },
  '3Mutc': { kind: 'month', months: 3, off: 0 },
};

/** Every bar but 1s (which only history-candles and candle1s serve); REST also leaves out 5D / 5Dutc. */
export const CANDLE_BARS: readonly string[] = Object.keys(BARS).filter((b) => b !== '1s');
export const ALL_BARS: readonly string[] = Object.keys(BARS);

export function isBar(bar: string): boolean {
  return Object.hasOwn(BARS, bar);
}

function kindOf(bar: string): BarKind {
  const k = BARS[bar];
  if (!k)
    throw new ValidationError('bar', `"${bar}" is not an OKX bar size`, `use one of ${ALL_BARS.join(' ')}`);
  return k;
}

/** Start (ms) of the bar containing ts. */
export function barStart(bar: string, ts: number): number {
  const k = kindOf(bar);
  if (k.kind === 'fixed') return Math.floor((ts + k.off) / k.ms) * k.ms - k.off;
  if (k.kind === 'week') {
    const d = Math.floor((ts + k.off) / DAY);
    // 1970-01-01 was a Thursday; OKX weeks start on Monday.
    const back = (((d + 3) % 7) + 7) % 7;
    return (d - back) * DAY - k.off;
  }
  const dt = new Date(ts + k.off);
  const m = dt.getUTCMonth();
  return Date.UTC(dt.getUTCFullYear(), m - (m % k.months), 1) - k.off;
}

/** Start of the bar after the one starting at `start`. */
export function nextBarStart(bar: string, start: number): number {
  const k = kindOf(bar);
  if (k.kind === 'fixed') return start + k.ms;
  if (k.kind === 'week') return start + 7 * DAY;
  const dt = new Date(start + k.off);
  return Date.UTC(dt.getUTCFullYear(), dt.getUTCMonth() + k.months, 1) - k.off;
}

/** Start of the bar before the one starting at `start`. */
export function prevBarStart(bar: string, start: number): number {
  return barStart(bar, start - 1);
}

/** Fixed length of a bar in ms, or undefined for months. */
export function barMs(bar: string): number | undefined {
  const k = kindOf(bar);
  return k.kind === 'fixed' ? k.ms : k.kind === 'week' ? 7 * DAY : undefined;
}
