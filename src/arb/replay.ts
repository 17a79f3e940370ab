import { join } from 'node:path';
import { openStore, type MarketStore } from '../data/store.js';
import { ManualClock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import { BookBoard } from './books.js';
import { OpportunityEngine, type OpportunityEngineOptions } from './engine.js';
import { ConsumedDepth } from './depth.js';
import { ArbBot, type ArbRun } from './execute.js';
import { PaperVenue } from './paper.js';
import { spotId } from './spot-id.js';
import type { BookView, CycleSpec, PairSpec } from './types.js';

/**
 * Book snapshots of each venue into that venue's store (kind `books`), at most every `everyMs`
 * of exchange time per instrument and `depth` levels a side: what a backtest replays.
 */
export class BookTape {
  private readonly last = new Map<string, number>();
  private buf = new Map<
    string,
    { ts: number[]; bidPx: number[][]; bidSz: number[][]; askPx: number[][]; askSz: number[][] }
  >();
  rows = 0;

  constructor(
    private readonly stores: Record<string, MarketStore>,
    private readonly opts: { everyMs: number; depth: number },
  ) {}

  add(v: BookView): void {
    if (!this.stores[v.venue]) return;
    const k = `${v.venue}\u0000${v.instId}`;
    const prev = this.last.get(k);
    if (prev !== undefined && v.ts - prev < this.opts.everyMs) return;
    this.last.set(k, v.ts);
    let b = this.buf.get(k);
    if (!b) this.buf.set(k, (b = { ts: [], bidPx: [], bidSz: [], askPx: [], askSz: [] }));
    const n = this.opts.depth;
    b.ts.push(v.ts);
    b.bidPx.push(v.bids.slice(0, n).map((l) => l[0]));
    b.bidSz.push(v.bids.slice(0, n).map((l) => l[1]));
    b.askPx.push(v.asks.slice(0, n).map((l) => l[0]));
    b.askSz.push(v.asks.slice(0, n).map((l) => l[1]));
    this.rows++;
  }

  async flush(): Promise<void> {
    const buf = this.buf;
    this.buf = new Map();
    for (const [k, rows] of buf) {
      const [venue, instId] = k.split('\u0000') as [string, string];
      if (rows.ts.length) await this.stores[venue]!.write({ kind: 'books', instId }, rows);
    }
  }
}

/** Recorded books of every venue and instrument, merged in time order. */
export async function loadRecordedBooks(
  stores: Record<string, MarketStore>,
  instIds: Record<string, readonly string[]>,
  range: { from?: number; to?: number } = {},
): Promise<BookView[]> {
  const out: BookView[] = [];
  for (const [venue, ids] of Object.entries(instIds)) {
    const store = stores[venue];
    if (!store) continue;
    for (const instId of ids) {
      const b = await store.books({ instId, ...range });
      for (let i = 0; i < b.length; i++) {
        const bp = b.bidPx[i]!;
        const bs = b.bidSz[i]!;
        const ap = b.askPx[i]!;
        const as = b.askSz[i]!;
        out.push({
          venue,
          instId,
          ts: b.ts[i]!,
          bids: Array.from(bp, (p, j) => [p, bs[j]!] as const),
          asks: Array.from(ap, (p, j) => [p, as[j]!] as const),
        });
      }
    }
  }
  out.sort((a, b) => a.ts - b.ts);
  return out;
}

/** Options of an arbitrage replay: recorded book events in time order, the engine settings and the bot's budgets. */
export interface ReplayOptions {
  /** Book events in time order (recorded, or built by a test). */
  events: readonly BookView[];
  engine: Omit<OpportunityEngineOptions, 'books' | 'clock'>;
  bot: { lossBudget: number; latencyBudgetMs: number; minProfit?: number; slippageBps?: number };
  /** Starting balances per venue. */
  balances: Record<string, Record<string, number>>;
  /** Trade only opportunities at least this good (bps). Default 0. */
  thresholdBps?: number;
  /** Least time between two runs of the same route (ms of book time). Default 1000. */
  cooldownMs?: number;
}

/** What an arbitrage replay saw: events and scans run, opportunities per route and what the bot would have done. */
export interface ReplayReport {
  events: number;
  scans: number;
  /** Opportunities at or above the threshold, by route id. */
  seen: Record<string, number>;
  /** How long each route stayed above the threshold, ms of book time (one entry per episode). */
  episodesMs: Record<string, number[]>;
  runs: ArbRun[];
  pnl: number;
  worstLoss: number;
  balances: Record<string, Record<string, number>>;
}

/**
 * The backtest of the arbitrage bots: the recorded books are replayed in time order onto a board,
 * the opportunity engine scans after each, and the bot trades the best opportunity above the
 * threshold on paper venues filling against those books, with the book age measured against
 * the replay clock as live. Same engine, same bot, same unwind as in live trading.
 */
export async function replayArbitrage(o: ReplayOptions): Promise<ReplayReport> {
  const clock = new ManualClock(o.events[0]?.ts ?? 0);
  const board = new BookBoard();
  // The engine and the bot see the books minus what the paper fills took (docs/ARBITRAGE.md).
  const consumed = new ConsumedDepth(board);
  const get = (v: string, i: string) => consumed.get(v, i);
  const engine = new OpportunityEngine({ ...o.engine, books: get, clock });
  const venues: Record<string, PaperVenue> = {};
  for (const [v, bal] of Object.entries(o.balances))
    venues[v] = new PaperVenue({
      venue: v,
      books: (x, i) => board.get(x, i),
      consumed,
      balances: bal,
      takerFee: o.engine.takerFee[v] ?? 0,
      clock,
    });
  const bot = new ArbBot({
    id: 'replay',
    venues,
    books: get,
    takerFee: o.engine.takerFee,
    latencyBudgetMs: o.bot.latencyBudgetMs,
    lossBudget: o.bot.lossBudget,
    ...(o.bot.minProfit !== undefined ? { minProfit: o.bot.minProfit } : {}),
    ...(o.bot.slippageBps !== undefined ? { slippageBps: o.bot.slippageBps } : {}),
    clock,
    sleep: () => Promise.resolve(),
  });
  const threshold = o.thresholdBps ?? 0;
  const cooldown = o.cooldownMs ?? 1000;
  const seen: Record<string, number> = {};
  const episodesMs: Record<string, number[]> = {};
  const openSince = new Map<string, number>();
  const lastRun = new Map<string, number>();
  let scans = 0;
  for (const ev of o.events) {
    clock.set(Math.max(clock.now(), ev.ts));
    board.set(ev);
    const opps = engine.scan();
    scans++;
    const above = new Set<string>();
    for (const op of opps) {
      if (op.profit > 0 && op.edgeBps >= threshold) {
        above.add(op.id);
        seen[op.id] = (seen[op.id] ?? 0) + 1;
        if (!openSince.has(op.id)) openSince.set(op.id, ev.ts);
      }
    }
    for (const [id, since] of [...openSince]) {
      if (above.has(id)) continue;
      (episodesMs[id] ??= []).push(ev.ts - since);
      openSince.delete(id);
    }
    const best = opps.find((x) => above.has(x.id));
    if (best && ev.ts - (lastRun.get(best.id) ?? -Infinity) >= cooldown) {
      lastRun.set(best.id, ev.ts);
      await bot.execute(best);
    }
  }
  const end = o.events.at(-1)?.ts ?? 0;
  for (const [id, since] of openSince) (episodesMs[id] ??= []).push(end - since);
  const runs = bot.runs.filter((r) => r.status !== 'skipped');
  const balances: Record<string, Record<string, number>> = {};
  for (const [v, p] of Object.entries(venues))
    balances[v] = Object.fromEntries((await p.balances()).map((b) => [b.ccy, Number(b.eq)]));
  return {
    events: o.events.length,
    scans,
    seen,
    episodesMs,
    runs,
    pnl: runs.reduce((s, r) => s + r.pnl, 0),
    worstLoss: runs.reduce((m, r) => Math.max(m, r.loss), 0),
    balances,
  };
}

/** Instruments each venue needs for the cycles and pairs (as OKX lists spot pairs). */
export function instrumentsFor(
  venues: readonly string[],
  cycles: readonly CycleSpec[],
  pairs: readonly PairSpec[],
): Record<string, string[]> {
  const out: Record<string, string[]> = Object.fromEntries(venues.map((v) => [v, [] as string[]]));
  const need = (v: string, id: string) => {
    const list = out[v];
    if (!list) throw new ValidationError('venue', `"${v}" is not a configured venue`, 'add it to the venues');
    if (!list.includes(id)) list.push(id);
  };
  for (const c of cycles) {
    const [a, b, d] = c.currencies;
    need(c.venue, spotId(a, b));
    need(c.venue, spotId(b, d));
    need(c.venue, spotId(d, a));
  }
  for (const p of pairs) for (const v of p.venues) need(v, p.instId);
  return out;
}

/**
 * The backtest from a store a scan recorded: each venue's books from `<dir>/venues/<name>`,
 * replayed through the engine and the bot on paper venues.
 */
export async function backtestFromStore(o: {
  dir: string;
  venues: readonly string[];
  cycles: readonly CycleSpec[];
  pairs: readonly PairSpec[];
  takerFee: Record<string, number>;
  maxCycleSize: number;
  maxPairSize: number;
  thresholdBps: number;
  bot: ReplayOptions['bot'];
  balances: Record<string, number>;
}): Promise<ReplayReport> {
  const instruments = instrumentsFor(o.venues, o.cycles, o.pairs);
  const stores: Record<string, MarketStore> = {};
  try {
    for (const v of o.venues) stores[v] = await openStore(join(o.dir, 'venues', v));
    const events = await loadRecordedBooks(stores, instruments);
    return await replayArbitrage({
      events,
      engine: {
        instruments,
        cycles: o.cycles,
        pairs: o.pairs,
        takerFee: o.takerFee,
        maxCycleSize: o.maxCycleSize,
        maxPairSize: o.maxPairSize,
      },
      bot: o.bot,
      balances: Object.fromEntries(o.venues.map((v) => [v, { ...o.balances }])),
      thresholdBps: o.thresholdBps,
    });
  } finally {
    for (const s of Object.values(stores)) await s.close();
  }
}
