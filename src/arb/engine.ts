import { systemClock, type Clock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import type { BookView, CycleSpec, Opportunity, PairSpec, PlannedLeg } from './types.js';
import { argmaxConcave, bestPair, convert, midOf } from './walk.js';

/** Where the engine reads books: the latest verified view of an instrument on a venue, if any. */
export type BookLookup = (venue: string, instId: string) => BookView | undefined;

export interface OpportunityEngineOptions {
  books: BookLookup;
  /** Instrument ids traded per venue (spot "BASE-QUOTE"), to find each cycle's legs. */
  instruments: Record<string, readonly string[]>;
  cycles?: readonly CycleSpec[];
  pairs?: readonly PairSpec[];
  /** Spot taker fee per venue as a fraction (0.001 = 0.1 %), from the account's tier. */
  takerFee: Record<string, number>;
  /** Largest cycle size, in the start currency (e.g. what the account can spend). Default 1000. */
  maxCycleSize?: number;
  /** Largest pair size, base units. Default 1. */
  maxPairSize?: number;
  /** Reference size for `edgeAtRefBps` (start currency for cycles, base for pairs). Default: the max. */
  refCycleSize?: number;
  refPairSize?: number;
  clock?: Clock;
}

interface CycleRoute {
  spec: CycleSpec;
  path: string[];
  legs: { instId: string; base: string; quote: string; from: string; to: string }[];
}

const VENUE_RE = /^[a-z0-9]{1,12}$/;

/**
 * The opportunity engine: for each configured cycle (both directions) and pair (both ways), the
 * executable edge after taker fees and depth-weighted slippage, the profit-maximising size, and
 * the age of every book used. Pure over the books it is given, so the same code runs on live
 * books, in paper mode and on recorded books.
 */
export class OpportunityEngine {
  private readonly o: OpportunityEngineOptions;
  private readonly clock: Clock;
  private readonly routes: CycleRoute[] = [];

  constructor(opts: OpportunityEngineOptions) {
    this.o = opts;
    this.clock = opts.clock ?? systemClock;
    for (const v of Object.keys(opts.instruments))
      if (!VENUE_RE.test(v))
        throw new ValidationError(
          'venue',
          `"${v}" is not a venue name`,
          'use 1 to 12 lower-case letters or digits',
        );
    for (const [v, fee] of Object.entries(opts.takerFee))
      if (!(fee >= 0 && fee < 0.1))
        throw new ValidationError(`takerFee.${v}`, `${fee} is not a fee fraction`, 'e.g. 0.001 for 0.1 %');
    for (const c of opts.cycles ?? []) {
      const [a, b, d] = c.currencies;
      for (const path of [
        [a, b, d, a],
        [a, d, b, a],
      ])
        this.routes.push({ spec: c, path, legs: this.resolve(c.venue, path) });
    }
    for (const p of opts.pairs ?? []) {
      for (const v of p.venues)
        if (!opts.instruments[v]?.includes(p.instId))
          throw new ValidationError(
            `pairs.${p.instId}`,
            `venue "${v}" does not list ${p.instId}`,
            'add the instrument to that venue or fix the pair',
          );
    }
  }

  private resolve(venue: string, path: string[]) {
    const list = this.o.instruments[venue];
    if (!list)
      throw new ValidationError(
        'cycles.venue',
        `"${venue}" is not a configured venue`,
        'add it to instruments',
      );
    const legs: CycleRoute['legs'] = [];
    for (let i = 0; i < 3; i++) {
      const from = path[i]!;
      const to = path[i + 1]!;
      const direct = list.find((id) => id === `${to}-${from}` || id === `${from}-${to}`);
      if (!direct)
        throw new ValidationError(
          'cycles',
          `${venue} has no instrument between ${from} and ${to}`,
          `list ${to}-${from} or ${from}-${to} among the venue's instruments`,
        );
      const [base, quote] = direct.split('-') as [string, string];
      legs.push({ instId: direct, base, quote, from, to });
    }
    return legs;
  }

  /** Every route evaluated now (profit may be <= 0), best first. */
  scan(): Opportunity[] {
    const out: Opportunity[] = [];
    for (const r of this.routes) {
      const o = this.evalCycle(r);
      if (o) out.push(o);
    }
    for (const p of this.o.pairs ?? []) {
      const [a, b] = p.venues;
      for (const [x, y] of [
        [a, b],
        [b, a],
      ] as const) {
        const o = this.evalPair(p.instId, x, y);
        if (o) out.push(o);
      }
    }
    out.sort((x, y) => y.edgeBps - x.edgeBps);
    return out;
  }

  private evalCycle(r: CycleRoute): Opportunity | undefined {
    const venue = r.spec.venue;
    const books: BookView[] = [];
    for (const l of r.legs) {
      const b = this.o.books(venue, l.instId);
      if (!b || b.bids.length === 0 || b.asks.length === 0) return undefined;
      books.push(b);
    }
    const fee = this.o.takerFee[venue] ?? 0;
    const run = (amount: number) => {
      let x = amount;
      let complete = true;
      for (let i = 0; i < 3; i++) {
        const l = r.legs[i]!;
        const c = convert(books[i]!, l.base, l.quote, l.from, x, fee);
        complete &&= c.complete;
        x = c.out;
      }
      return complete ? x - amount : -Infinity;
    };
    const max = this.o.maxCycleSize ?? 1000;
    let size = argmaxConcave(run, 0, max);
    let profit = run(size);
    const tiny = max * 1e-6;
    // No profitable size: report the marginal edge (the first unit's), sized zero.
    const marginalBps = (run(tiny) / tiny) * 1e4;
    if (!(profit > 0)) {
      size = 0;
      profit = 0;
    }
    const ref = this.o.refCycleSize ?? max;
    const refProfit = run(ref);
    const now = this.clock.now();
    const perf = performance.now();
    const legs: PlannedLeg[] = [];
    let x = size;
    for (let i = 0; i < 3; i++) {
      const l = r.legs[i]!;
      const c = convert(books[i]!, l.base, l.quote, l.from, x, fee);
      legs.push({
        venue,
        instId: l.instId,
        side: l.from === l.quote ? 'buy' : 'sell',
        sz: c.sz,
        px: c.worstPx,
        from: l.from,
        to: l.to,
        amountIn: x,
        amountOut: c.out,
        topCover: c.topCover,
      });
      x = c.out;
    }
    const stamps = books.map((b) => ({ venue, instId: b.instId, ts: b.ts, ageMs: Math.max(0, now - b.ts) }));
    const path = r.path;
    return {
      kind: 'cycle',
      id: `cycle:${venue}:${path.join('>')}`,
      key: [venue.toUpperCase(), ...path.slice(0, 3)].join('-'),
      ccy: path[0]!,
      size,
      profit,
      edgeBps: size > 0 ? (profit / size) * 1e4 : marginalBps,
      edgeAtRefBps: Number.isFinite(refProfit) && ref > 0 ? (refProfit / ref) * 1e4 : -Infinity,
      notional: size,
      legs,
      books: stamps,
      maxAgeMs: Math.max(...stamps.map((s) => s.ageMs)),
      detectedAt: now,
      detectedPerf: perf,
      mids: Object.fromEntries(books.map((b) => [`${venue}:${b.instId}`, midOf(b)])),
    };
  }

  private evalPair(instId: string, buyVenue: string, sellVenue: string): Opportunity | undefined {
    const bb = this.o.books(buyVenue, instId);
    const sb = this.o.books(sellVenue, instId);
    if (!bb || !sb || bb.asks.length === 0 || sb.bids.length === 0) return undefined;
    const fb = this.o.takerFee[buyVenue] ?? 0;
    const fs = this.o.takerFee[sellVenue] ?? 0;
    const best = bestPair(bb.asks, sb.bids, fb, fs, this.o.maxPairSize ?? 1);
    const ref = bestPair(bb.asks, sb.bids, fb, fs, this.o.refPairSize ?? this.o.maxPairSize ?? 1);
    // The edge at the reference size, profitable or not: walk it whole.
    const refSz = this.o.refPairSize ?? this.o.maxPairSize ?? 1;
    const [base, quote] = instId.split('-') as [string, string];
    const now = this.clock.now();
    const perf = performance.now();
    const profit = best.proceeds - best.cost;
    const bidTop = sb.bids[0]![0];
    const askTop = bb.asks[0]![0];
    const refEdge =
      ref.sz >= refSz * 0.999
        ? ((ref.proceeds - ref.cost) / ref.cost) * 1e4
        : (((1 - fb) * bidTop * (1 - fs) - askTop) / askTop) * 1e4;
    const legs: PlannedLeg[] = [
      {
        venue: buyVenue,
        instId,
        side: 'buy',
        sz: best.sz,
        px: best.buyPx,
        from: quote,
        to: base,
        amountIn: best.cost,
        amountOut: best.sz * (1 - fb),
        topCover: best.topCover[0],
      },
      {
        venue: sellVenue,
        instId,
        side: 'sell',
        sz: best.sz * (1 - fb),
        px: best.sellPx,
        from: base,
        to: quote,
        amountIn: best.sz * (1 - fb),
        amountOut: best.proceeds,
        topCover: best.topCover[1],
      },
    ];
    const stamps = [bb, sb].map((b) => ({
      venue: b.venue,
      instId,
      ts: b.ts,
      ageMs: Math.max(0, now - b.ts),
    }));
    return {
      kind: 'pair',
      id: `pair:${instId}:${buyVenue}>${sellVenue}`,
      key: `${instId}-${buyVenue.toUpperCase()}-${sellVenue.toUpperCase()}`,
      ccy: quote,
      size: best.sz,
      profit,
      edgeBps: best.cost > 0 ? (profit / best.cost) * 1e4 : refEdge,
      edgeAtRefBps: refEdge,
      notional: best.cost,
      legs,
      books: stamps,
      maxAgeMs: Math.max(...stamps.map((s) => s.ageMs)),
      detectedAt: now,
      detectedPerf: perf,
      mids: { [`${buyVenue}:${instId}`]: midOf(bb), [`${sellVenue}:${instId}`]: midOf(sb) },
    };
  }
}
