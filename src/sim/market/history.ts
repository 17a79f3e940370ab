import { HOUR, MINUTE, SECOND } from './bars.js';
import { Rng, hash32, hashUnit } from './prng.js';

/** An OHLCV aggregate in integer units: prices in ticks, volume in lots, quote volume in tick*lot units. */
export interface Bucket {
  /** ms of the first data in it */
  ts: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  q: bigint;
}

/** `a` then `b` (a earlier), as one bucket; a is not modified. */
export function mergeBuckets(a: Bucket | undefined, b: Bucket | undefined): Bucket | undefined {
  if (!a) return b && { ...b };
  if (!b) return { ...a };
  return {
    ts: a.ts,
    o: a.o,
    h: Math.max(a.h, b.h),
    l: Math.min(a.l, b.l),
    c: b.c,
    v: a.v + b.v,
    q: a.q + b.q,
  };
}

/** Candle history before the live market starts, by UTC hour, computed on demand. */
export interface HistorySource {
  /** First ms with history. */
  readonly start: number;
  /** History covers [start, end); the live market begins at end. */
  readonly end: number;
  /** 1-minute buckets of hour H (index floor(ts / HOUR)), oldest first; [] outside the history. */
  minutes(hour: number): readonly Bucket[];
  /** The whole hour H (its history part) as one bucket. */
  hourSummary(hour: number): Bucket | undefined;
}

export interface WalkParams {
  seed: number;
  index: number;
  /** Price at `end` (the live start) in quote units. */
  endPrice: number;
  tick: number;
  lot: number;
  /** Standard deviation of the log price per minute. */
  sigmaMin: number;
  /** Pull per minute toward the end price, keeps months of walk within a realistic band. */
  kappa: number;
  /** Median base volume per minute. */
  baseVolMin: number;
  start: number;
  end: number;
}

const MINUTE_CACHE = 96;

/**
 * A seeded random walk of 1-minute candles, generated backwards from the live start price, one
 * hour at a time: an hour needs only the log price at its end, so months of history cost one
 * pass the first time they are reached and a small cache afterwards. Each hour draws from its own
 * seeded stream, so any hour can be regenerated identically.
 */
export class WalkHistory implements HistorySource {
  readonly start: number;
  readonly end: number;
  private readonly h0: number;
  private readonly k0: number;
  private readonly firstHour: number;
  private readonly logBase: number;
  /** logEnd[i] = log price at the end of hour h0 - i */
  private readonly logEnd: number[];
  private readonly sums: (Bucket | undefined)[] = [];
  private readonly cache = new Map<number, Bucket[]>();

  constructor(private readonly p: WalkParams) {
    this.end = p.end;
    this.h0 = Math.floor(p.end / HOUR);
    this.k0 = Math.floor((p.end - this.h0 * HOUR) / MINUTE);
    this.firstHour = Math.min(this.h0, Math.ceil(Math.max(0, p.start) / HOUR));
    this.start = Math.min(p.end, this.firstHour * HOUR);
    this.logBase = Math.log(p.endPrice);
    this.logEnd = [this.logBase];
  }

  private ensure(i: number): void {
    while (this.sums.length <= i) {
      const j = this.sums.length;
      const hour = this.h0 - j;
      const g = this.generate(hour, this.logEnd[j]!);
      this.logEnd[j + 1] = g.logStart;
      if (g.n === 0) {
        this.sums.push(undefined);
        continue;
      }
      let h = 0;
      let l = Infinity;
      let v = 0;
      // v*typical is exact in a double (kept below 2^52); the sum is split to stay exact.
      let qHi = 0;
      let qLo = 0;
      for (let k = 0; k < g.n; k++) {
        if (g.h[k]! > h) h = g.h[k]!;
        if (g.l[k]! < l) l = g.l[k]!;
        v += g.v[k]!;
        const prod = g.v[k]! * g.t[k]!;
        const hi = Math.floor(prod / 67108864);
        qHi += hi;
        qLo += prod - hi * 67108864;
      }
      this.sums.push({
        ts: hour * HOUR,
        o: g.o[0]!,
        h,
        l,
        c: g.c[g.n - 1]!,
        v,
        q: BigInt(qHi) * 67108864n + BigInt(qLo),
      });
    }
  }

  private generate(hour: number, logEnd: number) {
    const { seed, index, sigmaMin: sg, kappa, tick, lot, baseVolMin } = this.p;
    const n = hour === this.h0 ? this.k0 : 60;
    const rng = new Rng(hash32(seed, index, hour, 0x4849));
    const o = new Float64Array(n);
    const h = new Float64Array(n);
    const l = new Float64Array(n);
    const c = new Float64Array(n);
    const v = new Float64Array(n);
    const t = new Float64Array(n);
    let x = logEnd;
    let price = Math.exp(x);
    const wick = sg * 0.6;
    for (let j = n - 1; j >= 0; j--) {
      const C = Math.max(1, Math.round(price / tick));
      const prevX = x - sg * rng.gauss() + kappa * (this.logBase - x);
      const prevPrice = Math.exp(prevX);
      const O = Math.max(1, Math.round(prevPrice / tick));
      const hiPx = Math.max(prevPrice, price) * (1 + Math.abs(rng.gauss()) * wick);
      const loPx = Math.min(prevPrice, price) * (1 - Math.abs(rng.gauss()) * wick);
      const H = Math.max(Math.round(hiPx / tick), O, C);
      const L = Math.max(1, Math.min(Math.round(loPx / tick), O, C));
      const typ = Math.round((O + H + L + C) / 4);
      const vol = Math.max(
        1,
        Math.min(Math.round((baseVolMin * (0.3 + 1.4 * rng.next())) / lot), Math.floor(2 ** 52 / typ)),
      );
      o[j] = O;
      h[j] = H;
      l[j] = L;
      c[j] = C;
      v[j] = vol;
      t[j] = typ;
      x = prevX;
      price = prevPrice;
    }
    return { n, o, h, l, c, v, t, logStart: x };
  }

  minutes(hour: number): readonly Bucket[] {
    if (hour < this.firstHour || hour > this.h0) return [];
    const hit = this.cache.get(hour);
    if (hit) return hit;
    this.ensure(this.h0 - hour - 1);
    const g = this.generate(hour, this.logEnd[this.h0 - hour]!);
    const recs: Bucket[] = new Array(g.n);
    for (let j = 0; j < g.n; j++) {
      recs[j] = {
        ts: hour * HOUR + j * MINUTE,
        o: g.o[j]!,
        h: g.h[j]!,
        l: g.l[j]!,
        c: g.c[j]!,
        v: g.v[j]!,
        q: BigInt(g.v[j]! * g.t[j]!),
      };
    }
    if (this.cache.size >= MINUTE_CACHE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(hour, recs);
    return recs;
  }

  hourSummary(hour: number): Bucket | undefined {
    if (hour < this.firstHour || hour > this.h0) return undefined;
    this.ensure(this.h0 - hour);
    return this.sums[this.h0 - hour];
  }
}

export interface CrossParams {
  seed: number;
  index: number;
  /** The base currency's USDT pair (ETH-USDT for ETH-BTC) and its tick and lot sizes. */
  base: { history: HistorySource; tick: number; lot: number };
  /** The quote currency's USDT pair (BTC-USDT for ETH-BTC). */
  quote: { history: HistorySource; tick: number };
  tick: number;
  lot: number;
  /** Share of the base leg's volume that trades on the cross. */
  volShare: number;
}

/** Standard normal from a hash (for values tied to a timestamp rather than a stream). */
function hashGauss(...parts: number[]): number {
  const u = 1 - hashUnit(...parts, 1);
  const v = hashUnit(...parts, 2);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Basis of a cross pair against its two USDT legs, a few basis points (0 at the live start). */
export const CROSS_BASIS_SD = 0.0003;

/** A cross pair's history (ETH-BTC), derived minute by minute from its two USDT legs' history. */
export class CrossHistory implements HistorySource {
  readonly start: number;
  readonly end: number;
  private readonly sums = new Map<number, Bucket | undefined>();
  private readonly cache = new Map<number, Bucket[]>();

  constructor(private readonly p: CrossParams) {
    this.start = Math.max(p.base.history.start, p.quote.history.start);
    this.end = p.base.history.end;
  }

  private basis(ts: number): number {
    return ts === this.end ? 0 : CROSS_BASIS_SD * hashGauss(this.p.seed, this.p.index, ts);
  }

  minutes(hour: number): readonly Bucket[] {
    const hit = this.cache.get(hour);
    if (hit) return hit;
    const { base, quote, tick, lot, volShare, seed, index } = this.p;
    const a = base.history.minutes(hour);
    const b = quote.history.minutes(hour);
    const n = Math.min(a.length, b.length);
    const recs: Bucket[] = new Array(n);
    const ratio = (ta: number, tb: number, ts: number) =>
      Math.max(1, Math.round((((ta * base.tick) / (tb * quote.tick)) * Math.exp(this.basis(ts))) / tick));
    for (let j = 0; j < n; j++) {
      const ra = a[j]!;
      const rb = b[j]!;
      const O = ratio(ra.o, rb.o, ra.ts);
      const C = ratio(ra.c, rb.c, ra.ts + MINUTE);
      const w = 0.0004 * Math.abs(hashGauss(seed, index, ra.ts, 3));
      const H = Math.max(O, C, Math.round(Math.max(O, C) * (1 + w)));
      const L = Math.min(O, C, Math.round(Math.min(O, C) * (1 - w)));
      const v = Math.max(1, Math.round(((ra.v * base.lot) / lot) * volShare));
      recs[j] = {
        ts: ra.ts,
        o: O,
        h: H,
        l: L,
        c: C,
        v,
        q: BigInt(v) * BigInt(Math.round((O + H + L + C) / 4)),
      };
    }
    if (this.cache.size >= MINUTE_CACHE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(hour, recs);
    return recs;
  }

  hourSummary(hour: number): Bucket | undefined {
    if (this.sums.has(hour)) return this.sums.get(hour);
    let s: Bucket | undefined;
    for (const r of this.minutes(hour)) s = mergeBuckets(s, r);
    this.sums.set(hour, s);
    return s;
  }
}

/**
 * The 60 one-second candles of a history minute: a seeded bridge from its open to its close that
 * stays within its low and high and touches both, with the volume split exactly, so 1s candles
 * aggregate back to the 1m candle.
 */
export function secondsOfMinute(m: Bucket, seed: number, index: number): Bucket[] {
  const rng = new Rng(hash32(seed, index, m.ts, 0x5153));
  const path: number[] = [m.o];
  let w = 0;
  const walk: number[] = [0];
  for (let i = 1; i <= 60; i++) {
    w += rng.gauss();
    walk.push(w);
  }
  const scale = (m.h - m.l) / 6;
  for (let i = 1; i < 60; i++) {
    const bridge = walk[i]! - (i / 60) * walk[60]!;
    const lin = m.o + ((m.c - m.o) * i) / 60;
    path.push(Math.min(m.h, Math.max(m.l, Math.round(lin + bridge * scale))));
  }
  path.push(m.c);
  const weights: number[] = [];
  let total = 0;
  for (let i = 0; i < 60; i++) {
    const x = 0.2 + rng.next();
    weights.push(x);
    total += x;
  }
  const typical = m.v > 0 ? m.q / BigInt(m.v) : 0n;
  const secs: Bucket[] = [];
  let used = 0;
  for (let i = 0; i < 60; i++) {
    const v = i === 59 ? m.v - used : Math.floor((m.v * weights[i]!) / total);
    used += v;
    const o = path[i]!;
    const c = path[i + 1]!;
    secs.push({
      ts: m.ts + i * SECOND,
      o,
      h: Math.max(o, c),
      l: Math.min(o, c),
      c,
      v,
      q: BigInt(v) * typical,
    });
  }
  // The quote volume must also sum exactly: the rounding rest goes to the last second.
  const qSum = secs.reduce((s, b) => s + b.q, 0n);
  secs[59]!.q += m.q - qSum;
  const ih = rng.int(0, 59);
  const il = rng.int(0, 59);
  secs[ih]!.h = m.h;
  secs[il]!.l = m.l;
  return secs;
}
