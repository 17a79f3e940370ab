import { atr, ema, macd, rsi, sma } from '../bots/indicators.js';
import type { Candles } from './candles.js';

/** Candles aggregated to a coarser bar (barMs a multiple of the input's), aligned to UTC. */
export function resample(c: Candles, barMs: number, bar: string): Candles {
  if (barMs <= c.barMs) return c;
  const ts: number[] = [];
  const o: number[] = [];
  const h: number[] = [];
  const l: number[] = [];
  const cl: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < c.ts.length; i++) {
    const b = Math.floor(c.ts[i]! / barMs) * barMs;
    const k = ts.length - 1;
    if (k < 0 || ts[k] !== b) {
      ts.push(b);
      o.push(c.o[i]!);
      h.push(c.h[i]!);
      l.push(c.l[i]!);
      cl.push(c.c[i]!);
      v.push(c.v[i]!);
    } else {
      if (c.h[i]! > h[k]!) h[k] = c.h[i]!;
      if (c.l[i]! < l[k]!) l[k] = c.l[i]!;
      cl[k] = c.c[i]!;
      v[k]! += c.v[i]!;
    }
  }
  const f = (x: number[]) => Float64Array.from(x);
  return { instId: c.instId, bar, barMs, ts: f(ts), o: f(o), h: f(h), l: f(l), c: f(cl), v: f(v) };
}

/** A support or resistance level and how often the price touched it. */
export interface Level {
  price: number;
  /** How many swing highs / lows fell within the level's band. */
  touches: number;
  kind: 'support' | 'resistance';
}

/** What `okxkit analyze` finds in candles: trend, volatility, indicators and support / resistance levels. */
export interface Analysis {
  instId: string;
  bar: string;
  bars: number;
  from: number;
  to: number;
  last: number;
  change: number;
  /** Annualised standard deviation of daily log returns. */
  volatility: number;
  /** The same over the last 30 days. */
  volatility30d: number;
  /** ATR(14) of the analysis bar, as a fraction of the last price. */
  atrPct: number;
  rsi14: number;
  sma50: number;
  sma200: number;
  ema20: number;
  macdHist: number;
  trend: 'up' | 'down' | 'sideways';
  trendReasons: string[];
  supports: Level[];
  resistances: Level[];
}

/**
 * Swing highs and lows (a bar whose high / low is the extreme of the `w` bars either side),
 * clustered into levels within `band` (a price distance, e.g. half an ATR), ranked by touches.
 */
export function supportResistance(
  c: Candles,
  w: number,
  band: number,
  last: number,
  max = 3,
): { supports: Level[]; resistances: Level[] } {
  const pivots: number[] = [];
  for (let i = w; i < c.ts.length - w; i++) {
    let hi = true;
    let lo = true;
    for (let j = i - w; j <= i + w && (hi || lo); j++) {
      if (j === i) continue;
      if (c.h[j]! > c.h[i]!) hi = false;
      if (c.l[j]! < c.l[i]!) lo = false;
    }
    if (hi) pivots.push(c.h[i]!);
    if (lo) pivots.push(c.l[i]!);
  }
  pivots.sort((a, b) => a - b);
  const clusters: { sum: number; n: number; lo: number }[] = [];
  for (const p of pivots) {
    const k = clusters[clusters.length - 1];
    if (k && p - k.lo <= band) {
      k.sum += p;
      k.n++;
    } else clusters.push({ sum: p, n: 1, lo: p });
  }
  const levels = clusters.map((k) => ({ price: k.sum / k.n, touches: k.n }));
  const rank = (a: { touches: number; price: number }, b: { touches: number; price: number }) =>
    b.touches - a.touches || Math.abs(a.price - last) - Math.abs(b.price - last);
  return {
    supports: levels
      .filter((x) => x.price < last)
      .sort(rank)
      .slice(0, max)
      .sort((a, b) => b.price - a.price)
      .map((x) => ({ ...x, kind: 'support' as const })),
    resistances: levels
      .filter((x) => x.price > last)
      .sort(rank)
      .slice(0, max)
      .sort((a, b) => a.price - b.price)
      .map((x) => ({ ...x, kind: 'resistance' as const })),
  };
}

function dailyVol(c: Candles, fromTs: number): number {
  const closes: number[] = [];
  for (let i = 0; i < c.ts.length; i++) {
    if (c.ts[i]! < fromTs) continue;
    const d = Math.floor(c.ts[i]! / 86_400_000);
    const next = i + 1 < c.ts.length ? Math.floor(c.ts[i + 1]! / 86_400_000) : NaN;
    if (next !== d) closes.push(c.c[i]!);
  }
  const r: number[] = [];
  for (let i = 1; i < closes.length; i++) r.push(Math.log(closes[i]! / closes[i - 1]!));
  if (r.length < 2) return NaN;
  const m = r.reduce((a, b) => a + b, 0) / r.length;
  return Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / (r.length - 1)) * Math.sqrt(365);
}

/** Volatility, trend and support / resistance of candles (analysed on `c`'s own bar). */
export function analyze(c: Candles): Analysis {
  const n = c.ts.length;
  const last = c.c[n - 1]!;
  const at = (x: Float64Array) => x[n - 1]!;
  const a = atr(c.h, c.l, c.c, 14);
  const s50 = at(sma(c.c, 50));
  const s200 = at(sma(c.c, 200));
  const e20 = ema(c.c, 20);
  const slope = n > 10 ? e20[n - 1]! / e20[n - 11]! - 1 : NaN;
  const hist = at(macd(c.c).hist);
  const reasons: string[] = [];
  let score = 0;
  const vote = (cond: boolean, up: string, down: string) => {
    score += cond ? 1 : -1;
    reasons.push(cond ? up : down);
  };
  if (Number.isFinite(s50)) vote(last > s50, 'price above SMA(50)', 'price below SMA(50)');
  if (Number.isFinite(s200) && Number.isFinite(s50))
    vote(s50 > s200, 'SMA(50) above SMA(200)', 'SMA(50) below SMA(200)');
  if (Number.isFinite(slope)) vote(slope > 0, 'EMA(20) rising', 'EMA(20) falling');
  if (Number.isFinite(hist)) vote(hist > 0, 'MACD histogram positive', 'MACD histogram negative');
  const trend = score >= 2 ? 'up' : score <= -2 ? 'down' : 'sideways';
  const atrLast = at(a);
  const sr = supportResistance(c, 5, Number.isFinite(atrLast) ? atrLast * 0.5 : last * 0.002, last);
  return {
    instId: c.instId,
    bar: c.bar,
    bars: n,
    from: c.ts[0]!,
    to: c.ts[n - 1]! + c.barMs,
    last,
    change: last / c.o[0]! - 1,
    volatility: dailyVol(c, -Infinity),
    volatility30d: dailyVol(c, c.ts[n - 1]! - 30 * 86_400_000),
    atrPct: atrLast / last,
    rsi14: at(rsi(c.c, 14)),
    sma50: s50,
    sma200: s200,
    ema20: e20[n - 1]!,
    macdHist: hist,
    trend,
    trendReasons: reasons,
    ...sr,
  };
}

/** Prints an Analysis as the text `okxkit analyze` shows. */
export function formatAnalysis(x: Analysis, source: string): string {
  const p = (v: number) => (Number.isFinite(v) ? v.toFixed(v >= 100 ? 1 : 4) : '-');
  const pc = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(2)} %` : '-');
  const lvl = (l: Level) => `${p(l.price)} (${l.touches} touch${l.touches === 1 ? '' : 'es'})`;
  return [
    `analyze ${x.instId} on ${x.bar} bars, ${new Date(x.from).toISOString().slice(0, 10)} .. ${new Date(x.to).toISOString().slice(0, 10)} (${x.bars} bars from ${source})`,
    `last          ${p(x.last)} (${x.change >= 0 ? '+' : ''}${pc(x.change)} over the period)`,
    `volatility    ${pc(x.volatility)} annualised (last 30 days ${pc(x.volatility30d)}); ATR(14) ${pc(x.atrPct)} of the price per bar`,
    `trend         ${x.trend.toUpperCase()}: ${x.trendReasons.join(', ') || 'too few bars'}`,
    `momentum      RSI(14) ${Number.isFinite(x.rsi14) ? x.rsi14.toFixed(1) : '-'}${x.rsi14 > 70 ? ' (overbought)' : x.rsi14 < 30 ? ' (oversold)' : ''}; SMA(50) ${p(x.sma50)}, SMA(200) ${p(x.sma200)}, EMA(20) ${p(x.ema20)}`,
    `resistance    ${x.resistances.map(lvl).join(', ') || 'none above the price'}`,
    `support       ${x.supports.map(lvl).join(', ') || 'none below the price'}`,
  ].join('\n');
}
