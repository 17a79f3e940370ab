/**
 * Technical indicators over number columns (oldest first). Each returns a Float64Array as long as
 * its input with NaN where the window is not yet full, so values line up with the candles. The
 * conventions are the common ones (TradingView's): EMA seeded with the SMA of its first window and
 * alpha 2 / (n + 1); RSI and ATR smoothed by Wilder (alpha 1 / n); Bollinger bands with the
 * population standard deviation; VWAP on the typical price (h + l + c) / 3.
 */

type Col = ArrayLike<number>;

function check(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`${name}: period must be a whole number >= 1 (got ${n})`);
}

/** Simple moving average of the last n values. */
export function sma(x: Col, n: number): Float64Array {
  check(n, 'sma');
  const out = new Float64Array(x.length).fill(NaN);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    sum += x[i]!;
    if (i >= n) sum -= x[i - n]!;
    if (i >= n - 1) out[i] = sum / n;
  }
  return out;
}

/** Exponential moving average: the SMA of the first n values, then alpha = 2 / (n + 1). */
export function ema(x: Col, n: number): Float64Array {
  check(n, 'ema');
  return smooth(x, n, 2 / (n + 1));
}

/** An exponential average seeded with the mean of the first n values (skips leading NaN). */
function smooth(x: Col, n: number, alpha: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let start = 0;
  while (start < x.length && Number.isNaN(x[start]!)) start++;
  if (x.length - start < n) return out;
  let s = 0;
  for (let i = start; i < start + n; i++) s += x[i]!;
  let v = s / n;
  out[start + n - 1] = v;
  for (let i = start + n; i < x.length; i++) {
    v = alpha * x[i]! + (1 - alpha) * v;
    out[i] = v;
  }
  return out;
}

/** Relative strength index (Wilder): 100 - 100 / (1 + average gain / average loss). */
export function rsi(close: Col, n = 14): Float64Array {
  check(n, 'rsi');
  const out = new Float64Array(close.length).fill(NaN);
  if (close.length <= n) return out;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= n; i++) {
    const d = close[i]! - close[i - 1]!;
    if (d > 0) gain += d;
    else loss -= d;
  }
  gain /= n;
  loss /= n;
  const value = () => (loss === 0 ? (gain === 0 ? 50 : 100) : 100 - 100 / (1 + gain / loss));
  out[n] = value();
  for (let i = n + 1; i < close.length; i++) {
    const d = close[i]! - close[i - 1]!;
    gain = (gain * (n - 1) + Math.max(d, 0)) / n;
    loss = (loss * (n - 1) + Math.max(-d, 0)) / n;
    out[i] = value();
  }
  return out;
}

/** MACD: EMA(fast) - EMA(slow), its EMA(signal), and the histogram (macd - signal). */
export function macd(
  close: Col,
  fast = 12,
  slow = 26,
  signal = 9,
): { macd: Float64Array; signal: Float64Array; hist: Float64Array } {
  const f = ema(close, fast);
  const s = ema(close, slow);
  const line = new Float64Array(close.length);
  for (let i = 0; i < close.length; i++) line[i] = f[i]! - s[i]!;
  const sig = smooth(line, signal, 2 / (signal + 1));
  const hist = new Float64Array(close.length);
  for (let i = 0; i < close.length; i++) hist[i] = line[i]! - sig[i]!;
  return { macd: line, signal: sig, hist };
}

/** Bollinger bands: SMA(n) and k population standard deviations either side. */
export function bollinger(
  close: Col,
  n = 20,
  k = 2,
): { mid: Float64Array; upper: Float64Array; lower: Float64Array } {
  check(n, 'bollinger');
  const mid = sma(close, n);
  const upper = new Float64Array(close.length).fill(NaN);
  const lower = new Float64Array(close.length).fill(NaN);
  for (let i = n - 1; i < close.length; i++) {
    const m = mid[i]!;
    let ss = 0;
    for (let j = i - n + 1; j <= i; j++) ss += (close[j]! - m) ** 2;
    const sd = Math.sqrt(ss / n);
    upper[i] = m + k * sd;
    lower[i] = m - k * sd;
  }
  return { mid, upper, lower };
}

/** Average true range (Wilder): true range max(h - l, |h - prev c|, |l - prev c|) smoothed over n. */
export function atr(high: Col, low: Col, close: Col, n = 14): Float64Array {
  check(n, 'atr');
  const tr = new Float64Array(close.length);
  for (let i = 0; i < close.length; i++) {
    const hl = high[i]! - low[i]!;
    tr[i] =
      i === 0 ? hl : Math.max(hl, Math.abs(high[i]! - close[i - 1]!), Math.abs(low[i]! - close[i - 1]!));
  }
  return smooth(tr, n, 1 / n);
}

/**
 * Volume-weighted average price of the typical price (h + l + c) / 3, cumulative from the first
 * candle, or restarting whenever floor(ts / resetMs) changes (resetMs = 86,400,000 for a daily VWAP).
 */
export function vwap(
  high: Col,
  low: Col,
  close: Col,
  volume: Col,
  opts: { ts?: Col; resetMs?: number } = {},
): Float64Array {
  const out = new Float64Array(close.length);
  let pv = 0;
  let v = 0;
  let session = NaN;
  for (let i = 0; i < close.length; i++) {
    if (opts.ts && opts.resetMs) {
      const s = Math.floor(opts.ts[i]! / opts.resetMs);
      if (s !== session) {
        session = s;
        pv = 0;
        v = 0;
      }
    }
    const tp = (high[i]! + low[i]! + close[i]!) / 3;
    pv += tp * volume[i]!;
    v += volume[i]!;
    out[i] = v > 0 ? pv / v : tp;
  }
  return out;
}

/** Rate of change over n values, in percent: (x[i] / x[i - n] - 1) x 100. */
export function roc(x: Col, n: number): Float64Array {
  check(n, 'roc');
  const out = new Float64Array(x.length).fill(NaN);
  for (let i = n; i < x.length; i++) out[i] = (x[i]! / x[i - n]! - 1) * 100;
  return out;
}
