/**
 * Over-fit guards for a parameter search (Bailey, Borwein, López de Prado and Zhu, "The
 * Probability of Backtest Overfitting", 2015; Bailey and López de Prado, "The Deflated Sharpe
 * Ratio", 2014). Inputs are per-period (daily) returns, one series per configuration tried.
 */

const EULER_GAMMA = 0.5772156649015329;

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf, |error| < 1.5e-7). */
export function normCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normInv(p: number): number {
  if (!(p > 0 && p < 1)) return p <= 0 ? -Infinity : Infinity;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - lo) return -normInv(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return x.length ? s / x.length : 0;
}

/** Per-period Sharpe ratio (mean / sample sd), 0 with no variance. */
export function sharpeOf(r: ArrayLike<number>): number {
  if (r.length < 2) return 0;
  const m = mean(r);
  let ss = 0;
  for (let i = 0; i < r.length; i++) ss += (r[i]! - m) ** 2;
  const sd = Math.sqrt(ss / (r.length - 1));
  return sd > 0 ? m / sd : 0;
}

function moments(r: ArrayLike<number>): { skew: number; kurt: number } {
  const m = mean(r);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < r.length; i++) {
    const d = r[i]! - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= r.length;
  m3 /= r.length;
  m4 /= r.length;
  return m2 > 0 ? { skew: m3 / m2 ** 1.5, kurt: m4 / (m2 * m2) } : { skew: 0, kurt: 3 };
}

/** The deflated Sharpe ratio of the best of several trials (Bailey and Lopez de Prado). */
export interface DeflatedSharpe {
  /** The best trial's per-period Sharpe ratio. */
  sharpe: number;
  /** The Sharpe ratio the best of N trials would reach by luck alone (per period). */
  expectedMaxSharpe: number;
  /** Probability that the best Sharpe ratio is above that luck benchmark (0..1). */
  dsr: number;
  trials: number;
}

/**
 * Deflated Sharpe ratio of the best trial: the probability that its Sharpe ratio beats the
 * expected maximum of N unskilled trials with the observed variance of trial Sharpe ratios,
 * corrected for the best trial's skewness and kurtosis and the sample length.
 */
export function deflatedSharpe(best: ArrayLike<number>, trialSharpes: readonly number[]): DeflatedSharpe {
  const n = trialSharpes.length;
  const sr = sharpeOf(best);
  const ms = mean(trialSharpes);
  const v = n > 1 ? trialSharpes.reduce((a, s) => a + (s - ms) ** 2, 0) / (n - 1) : 0;
  const sr0 =
    n > 1
      ? Math.sqrt(v) * ((1 - EULER_GAMMA) * normInv(1 - 1 / n) + EULER_GAMMA * normInv(1 - 1 / (n * Math.E)))
      : 0;
  const T = best.length;
  const { skew, kurt } = moments(best);
  const denom = 1 - skew * sr + ((kurt - 1) / 4) * sr * sr;
  const z = T > 1 && denom > 0 ? ((sr - sr0) * Math.sqrt(T - 1)) / Math.sqrt(denom) : 0;
  return { sharpe: sr, expectedMaxSharpe: sr0, dsr: normCdf(z), trials: n };
}

/** The probability of backtest overfitting by combinatorially symmetric cross-validation. */
export interface Pbo {
  /** Share of the splits in which the in-sample winner ranked in the bottom half out of sample. */
  pbo: number;
  splits: number;
  blocks: number;
  /** The logits of the winner's out-of-sample relative rank, one per split. */
  logits: number[];
}

function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const cur: number[] = [];
  const rec = (start: number) => {
    if (cur.length === k) {
      out.push([...cur]);
      return;
    }
    for (let i = start; i < n; i++) {
      cur.push(i);
      rec(i + 1);
      cur.pop();
    }
  };
  rec(0);
  return out;
}

/**
 * Probability of backtest over-fitting by combinatorially symmetric cross-validation: the T x N
 * matrix of returns (rows = periods, columns = configurations) is cut into `blocks` (even) row
 * blocks; for every half of the blocks taken as in-sample (the rest out of sample) the in-sample
 * best configuration by Sharpe is ranked out of sample. PBO = the share of splits where it lands
 * at or below the median (logit <= 0).
 */
export function probabilityOfOverfitting(returns: readonly ArrayLike<number>[], blocks = 8): Pbo {
  const N = returns.length;
  const T = Math.min(...returns.map((r) => r.length));
  const S = Math.max(2, blocks - (blocks % 2));
  if (N < 2 || T < S) return { pbo: NaN, splits: 0, blocks: S, logits: [] };
  const size = Math.floor(T / S);
  const rowsOf = (bs: number[]) => bs.flatMap((b) => Array.from({ length: size }, (_, i) => b * size + i));
  const logits: number[] = [];
  for (const isBlocks of combinations(S, S / 2)) {
    const osBlocks = Array.from({ length: S }, (_, i) => i).filter((i) => !isBlocks.includes(i));
    const isRows = rowsOf(isBlocks);
    const osRows = rowsOf(osBlocks);
    const isSr = returns.map((r) => sharpeOf(isRows.map((i) => r[i]!)));
    const osSr = returns.map((r) => sharpeOf(osRows.map((i) => r[i]!)));
    let best = 0;
    for (let j = 1; j < N; j++) if (isSr[j]! > isSr[best]!) best = j;
    // Relative rank of the IS winner out of sample, in (0, 1): ties count half.
    let below = 0;
    for (let j = 0; j < N; j++) {
      if (j === best) continue;
      if (osSr[j]! < osSr[best]!) below++;
      else if (osSr[j] === osSr[best]) below += 0.5;
    }
    const w = (below + 1) / (N + 1);
    logits.push(Math.log(w / (1 - w)));
  }
  return {
    pbo: logits.filter((l) => l <= 0).length / logits.length,
    splits: logits.length,
    blocks: S,
    logits,
  };
}
