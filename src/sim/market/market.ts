import type { Clock } from '../../util/clock.js';
import { ValidationError } from '../../util/errors.js';
import type {
  CandleRow,
  Depth,
  MarketFill,
  MarketUpdate,
  PublicTrade,
  SimInstrument,
  SimMarketApi,
  TickerPayload,
} from '../contracts.js';
import { DAY, HOUR, MINUTE, SECOND, barStart, isBar, nextBarStart, prevBarStart } from './bars.js';
import { SyntheticBook } from './book.js';
import {
  CROSS_BASIS_SD,
  CrossHistory,
  WalkHistory,
  mergeBuckets,
  secondsOfMinute,
  type Bucket,
  type HistorySource,
} from './history.js';
import {
  DEFAULT_MARKET_INSTRUMENTS,
  HISTORY_DAYS,
  nextQuarterExpiry,
  toSimInstrument,
  yymmdd,
  type MarketInstrumentConfig,
} from './instruments.js';
import { Rng, hash32, hashUnit } from './prng.js';
import { decimalsOf, formatFixed, formatTrim, parseUnits } from './units.js';

/** The price process steps every 100 ms of clock time (docs/OKX-PROTOCOL.md §3: books pushes every 100 ms). */
export const STEP_MS = 100;
/** A clock jump longer than this is crossed in one leap instead of step by step. */
const MAX_CATCHUP_STEPS = 600;
const TAPE_KEEP = 1000;
const LIVE_SECONDS_KEEP_MS = 3 * HOUR;
/** Only the latest 1,440 candles on GET /market/candles (docs/OKX-PROTOCOL.md §7.2). */
const RECENT_CANDLES = 1440;
const HISTORY_1S_MS = 90 * DAY;

export interface SimMarketOptions {
  seed: number;
  clock: Clock;
  instruments?: readonly MarketInstrumentConfig[];
  /** Book depth per side (OKX books: 400). */
  depth?: number;
}

class LiveCandles {
  readonly sec = new Map<number, Bucket>();
  readonly min = new Map<number, Bucket>();
  readonly hour = new Map<number, Bucket>();

  add(ts: number, p: number, v: number, q: bigint): void {
    for (const [map, start] of [
      [this.sec, Math.floor(ts / SECOND) * SECOND],
      [this.min, Math.floor(ts / MINUTE) * MINUTE],
      [this.hour, Math.floor(ts / HOUR) * HOUR],
    ] as const) {
      const b = map.get(start);
      if (!b) map.set(start, { ts, o: p, h: p, l: p, c: p, v, q });
      else {
        if (p > b.h) b.h = p;
        if (p < b.l) b.l = p;
        b.c = p;
        b.v += v;
        b.q += q;
      }
    }
  }

  prune(now: number): void {
    for (const k of this.sec.keys()) {
      if (k >= now - LIVE_SECONDS_KEEP_MS) break;
      this.sec.delete(k);
    }
  }
}

interface InstState {
  inst: SimInstrument;
  index: number;
  pxDec: number;
  szDec: number;
  tick: number;
  lot: number;
  book: SyntheticBook;
  rng: Rng;
  legs?: [InstState, InstState];
  /** log price (quote units) */
  x: number;
  x0: number;
  sigmaStep: number;
  kappaStep: number;
  basis: number;
  /** A planted constant offset of a cross pair from its legs (log units). */
  offset: number;
  lastMove: number;
  tradeLots: [number, number];
  /** typical volume per minute, lots */
  volMinLots: number;
  history: HistorySource;
  live: LiveCandles;
  tape: PublicTrade[];
  nextTradeId: number;
  lastPx: number;
  lastSz: number;
  stats: { minute: number; agg: Bucket | undefined } | undefined;
  sod: Map<number, number>;
}

type TradesListener = (instId: string, trades: PublicTrade[]) => void;
type UpdateListener = (update: MarketUpdate) => void;

/**
 * The local exchange's market: default spot instruments, a seeded price process stepping every
 * 100 ms of clock time, synthetic resting liquidity (400 levels a side), public trades, tickers
 * and candles for every OKX bar with months of deterministic history. The same seed and the same
 * sequence of calls give the same market.
 */
export class SimMarket implements SimMarketApi {
  private readonly seed: number;
  private readonly clock: Clock;
  private readonly states = new Map<string, InstState>();
  private readonly order: InstState[] = [];
  /** Each instrument's configuration, so a delivered future's successor can be listed like it. */
  private readonly cfgs = new Map<string, MarketInstrumentConfig>();
  /** Delivered futures: out of the live list, their state kept for reads of the past. */
  private readonly delivered = new Set<string>();
  private readonly historyStart: number;
  private readonly bookDepth: number;
  private readonly tradeListeners = new Set<TradesListener>();
  private readonly updateListeners = new Set<UpdateListener>();
  private lastStep: number;
  private tNow: number;
  private secCache: { key: string; secs: Bucket[] } | undefined;

  // long: sets up every instrument walk and its parameters from the options; the fields are assigned once here
  constructor(opts: SimMarketOptions) {
    this.seed = opts.seed >>> 0;
    this.clock = opts.clock;
    const start = this.clock.now();
    this.tNow = start;
    this.lastStep = Math.floor(start / STEP_MS);
    const depth = Math.max(1, Math.min(opts.depth ?? 400, 400));
    this.bookDepth = depth;
    const cfgs = opts.instruments ?? DEFAULT_MARKET_INSTRUMENTS;
    const historyStart = Math.max(0, start - HISTORY_DAYS * DAY);
    this.historyStart = historyStart;
    const listTime = Math.floor(historyStart / HOUR) * HOUR;
    const byId = new Map(cfgs.map((c) => [c.instId, c]));
    const isCross = (c: MarketInstrumentConfig) => {
      if (c.contract) return byId.has(c.contract.indexInstId);
      const [b, q] = c.instId.split('-');
      return q !== 'USDT' && byId.has(`${b}-USDT`) && byId.has(`${q}-USDT`);
    };
    // Walks first, so cross pairs can follow their legs.
    const sorted = [...cfgs.filter((c) => !isCross(c)), ...cfgs.filter(isCross)];
    for (const cfg of sorted) {
      this.build(cfg, cfgs.indexOf(cfg), { start, historyStart, listTime, depth, cross: isCross(cfg) });
    }
    for (const cfg of cfgs) this.order.push(this.states.get(cfg.instId)!);
  }

  /** Sets up one instrument: its walk (or the legs it follows), book, history and tape, from `start`. */
  // long: every per-instrument parameter is derived here, once
  private build(
    cfg: MarketInstrumentConfig,
    index: number,
    env: { start: number; historyStart: number; listTime: number; depth: number; cross: boolean },
  ): InstState {
    const { start, historyStart, listTime, depth } = env;
    const inst = toSimInstrument(cfg, index, listTime);
    const pxDec = decimalsOf(cfg.tickSz);
    const szDec = decimalsOf(cfg.lotSz);
    const tick = Number(cfg.tickSz);
    const lot = Number(cfg.lotSz);
    if (!(tick > 0) || !(lot > 0))
      throw new ValidationError(`instruments.${cfg.instId}`, 'tickSz and lotSz must be positive decimals');
    const [baseCcy, quoteCcy] = cfg.instId.split('-');
    // A contract follows its index alone (over a unit leg); a cross pair follows its two legs.
    const legs = !env.cross
      ? undefined
      : cfg.contract
        ? ([this.states.get(cfg.contract.indexInstId)!, UNIT_LEG] as [InstState, InstState])
        : ([this.states.get(`${baseCcy}-USDT`)!, this.states.get(`${quoteCcy}-USDT`)!] as [
            InstState,
            InstState,
          ]);
    let x: number;
    const offset = legs && cfg.crossOffsetBps ? Math.log1p(cfg.crossOffsetBps / 10_000) : 0;
    if (legs) x = Math.log((legs[0].lastPx * legs[0].tick) / (legs[1].lastPx * legs[1].tick)) + offset;
    else {
      const u = 1 - hashUnit(this.seed, index, 0x5030);
      const v = hashUnit(this.seed, index, 0x5031);
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      if (!(Number(cfg.price) > 0))
        throw new ValidationError(
          `instruments.${cfg.instId}.price`,
          'must be a positive decimal',
          'e.g. "60000"',
        );
      // each seed starts within about 1 % of the configured price (exactly on it when asked)
      x = Math.log(Number(cfg.price)) + (cfg.exactPrice ? 0 : 0.01 * z);
    }
    const vol60 = cfg.vol60s ?? 0.006;
    const sigmaStep = vol60 / Math.sqrt(60_000 / STEP_MS);
    const sizes = cfg.tradeSize ?? [Number(cfg.minSz) || lot, Math.max(Number(cfg.minSz) || lot, lot) * 1000];
    const tradeLots: [number, number] = [Math.max(1, sizes[0] / lot), Math.max(1, sizes[1] / lot)];
    const gap = cfg.levelGapTicks ?? Math.max(1, Math.round((Math.exp(x) * 0.00005) / tick));
    const book = new SyntheticBook(
      { pxDec, szDec, gapTicks: gap, minLots: tradeLots[0], maxLots: tradeLots[1] * 2, depth },
      1000 + (hash32(this.seed, index, 0x5351) % 100_000),
    );
    const meanSize = (sizes[1] - sizes[0]) / Math.log(sizes[1] / sizes[0] || Math.E);
    const history: HistorySource = legs
      ? new CrossHistory({
          seed: this.seed,
          index,
          base: { history: legs[0].history, tick: legs[0].tick, lot: legs[0].lot },
          quote: { history: legs[1].history, tick: legs[1].tick },
          tick,
          lot,
          volShare: 0.05,
        })
      : new WalkHistory({
          seed: this.seed,
          index,
          endPrice: Math.exp(x),
          tick,
          lot,
          sigmaMin: 0.0008 * (vol60 / 0.006),
          kappa: (0.0008 * (vol60 / 0.006)) ** 2 / (2 * 0.15 ** 2),
          baseVolMin: 60 * meanSize,
          start: historyStart,
          end: Math.floor(start / MINUTE) * MINUTE,
        });
    const st: InstState = {
      inst,
      index,
      pxDec,
      szDec,
      tick,
      lot,
      book,
      rng: new Rng(hash32(this.seed, index, 0x4c49)),
      x,
      x0: x,
      sigmaStep,
      // weak pull toward the start price: a stationary spread of about 10 % over days
      kappaStep: sigmaStep ** 2 / (2 * 0.1 ** 2),
      basis: 0,
      offset,
      lastMove: 0,
      tradeLots,
      volMinLots: Math.max(1, Math.round((60 * meanSize) / lot)),
      history,
      live: new LiveCandles(),
      tape: [],
      nextTradeId: 100_000_000 + (hash32(this.seed, index, 0x5449) % 1_000_000),
      lastPx: Math.max(1, Math.round(Math.exp(x) / tick)),
      lastSz: Math.round(tradeLots[0]),
      stats: undefined,
      sod: new Map(),
    };
    if (legs) st.legs = legs;
    seedTape(st, new Rng(hash32(this.seed, index, 0x5450)), start);
    book.recentre(Math.exp(x) / tick, st.rng);
    book.commit(start); // the initial book is the snapshot, not a change
    book.ts = start;
    this.states.set(cfg.instId, st);
    this.cfgs.set(cfg.instId, cfg);
    return st;
  }

  /**
   * The seeded 1-minute history of an instrument over [from, to) as columns (prices in quote,
   * volume in base), oldest first: what GET /market/history-candles pages through, without the
   * paging. Backtests and benches read it directly.
   */
  historyMinutes(
    instId: string,
    from: number,
    to: number,
  ): {
    ts: Float64Array;
    o: Float64Array;
    h: Float64Array;
    l: Float64Array;
    c: Float64Array;
    v: Float64Array;
  } {
    const st = this.state(instId);
    const h = st.history;
    const a = Math.max(from, h.start);
    const b = Math.min(to, h.end);
    const n = Math.max(0, Math.ceil((b - a) / MINUTE));
    const cols = {
      ts: new Float64Array(n),
      o: new Float64Array(n),
      h: new Float64Array(n),
      l: new Float64Array(n),
      c: new Float64Array(n),
      v: new Float64Array(n),
    };
    let i = 0;
    for (let H = Math.floor(a / HOUR); H * HOUR < b && i < n; H++) {
      for (const m of h.minutes(H)) {
        if (m.ts < a || m.ts >= b || i >= n) continue;
        cols.ts[i] = m.ts;
        cols.o[i] = Number((m.o * st.tick).toFixed(st.pxDec));
        cols.h[i] = Number((m.h * st.tick).toFixed(st.pxDec));
        cols.l[i] = Number((m.l * st.tick).toFixed(st.pxDec));
        cols.c[i] = Number((m.c * st.tick).toFixed(st.pxDec));
        cols.v[i] = m.v * st.lot;
        i++;
      }
    }
    if (i === n) return cols;
    return {
      ts: cols.ts.slice(0, i),
      o: cols.o.slice(0, i),
      h: cols.h.slice(0, i),
      l: cols.l.slice(0, i),
      c: cols.c.slice(0, i),
      v: cols.v.slice(0, i),
    };
  }

  // --- SimMarketApi ------------------------------------------------------------------------

  instruments(): SimInstrument[] {
    return this.order.map((s) => ({ ...s.inst }));
  }

  instrument(instId: string): SimInstrument | undefined {
    const s = this.states.get(instId);
    return s && !this.delivered.has(instId) ? { ...s.inst } : undefined;
  }

  /**
   * A future has delivered (docs/OKX-PROTOCOL.md §7.7): it leaves the live list and its family's
   * next quarterly contract is listed now, following the same index; the family's aliases move
   * up (quarter, next_quarter). Returns the new contract.
   */
  deliver(instId: string): SimInstrument | undefined {
    const st = this.states.get(instId);
    const cfg = this.cfgs.get(instId);
    if (!st || !cfg?.contract || st.inst.instType !== 'FUTURES' || this.delivered.has(instId))
      return undefined;
    this.delivered.add(instId);
    this.order.splice(this.order.indexOf(st), 1);
    const family = (s: InstState) =>
      s.inst.instType === 'FUTURES' && s.inst.contract?.uly === cfg.contract!.uly;
    const lastExp = Math.max(
      Number(cfg.contract.expTime),
      ...this.order.filter(family).map((s) => Number(s.inst.contract!.expTime)),
    );
    const exp = nextQuarterExpiry(lastExp);
    const id = `${cfg.contract.uly}-${yymmdd(exp)}`;
    let next: InstState | undefined;
    if (!this.states.has(id)) {
      const code = Math.max(...[...this.states.values()].map((s) => s.inst.instIdCode)) + 1;
      next = this.build(
        {
          ...cfg,
          instId: id,
          instIdCode: code,
          listTime: this.tNow,
          contract: { ...cfg.contract, expTime: String(exp) },
        },
        this.states.size,
        {
          start: this.tNow,
          historyStart: this.historyStart,
          listTime: this.tNow,
          depth: this.bookDepth,
          cross: true,
        },
      );
      this.order.push(next);
    }
    const live = this.order
      .filter(family)
      .sort((a, b) => Number(a.inst.contract!.expTime) - Number(b.inst.contract!.expTime));
    live.forEach((s, k) => (s.inst.contract!.alias = k === 0 ? 'quarter' : k === 1 ? 'next_quarter' : ''));
    return next ? { ...next.inst, contract: { ...next.inst.contract! } } : undefined;
  }

  /** Market time: the latest time the market has been advanced to. */
  now(): number {
    return this.tNow;
  }

  advanceTo(nowMs: number): void {
    const target = Math.floor(nowMs / STEP_MS);
    const pending = target - this.lastStep;
    if (pending > MAX_CATCHUP_STEPS) {
      const leap = pending - MAX_CATCHUP_STEPS;
      this.leap(this.lastStep * STEP_MS, (this.lastStep + leap) * STEP_MS);
      this.lastStep += leap;
    }
    for (let k = this.lastStep + 1; k <= target; k++) this.step(k * STEP_MS);
    if (target > this.lastStep) this.lastStep = target;
    if (nowMs > this.tNow) this.tNow = nowMs;
  }

  /**
   * Moves an instrument's price by `ratio` at once (-0.02 = 2 % down), as a news shock would: the
   * walk goes on from the new level (the centre it is pulled to moves with it) and whatever follows
   * it (its contracts, cross pairs) follows from the next step. For tests and demos of margin,
   * stops and liquidation; a contract or a cross pair is moved through the instrument it follows.
   */
  shock(instId: string, ratio: number): void {
    const st = this.state(instId);
    if (st.legs)
      throw new ValidationError(
        'instId',
        `${instId} follows ${st.legs[0].inst.instId}: it cannot be moved on its own`,
        `shock ${st.legs[0].inst.instId} instead`,
      );
    if (!Number.isFinite(ratio) || ratio <= -1)
      throw new ValidationError('ratio', `${ratio} is not a move above -1`, 'e.g. -0.02 for 2 % down');
    const dx = Math.log1p(ratio);
    st.x += dx;
    st.x0 += dx;
    st.lastMove = dx;
  }

  /**
   * Moves the planted offset of an instrument that follows others (a contract from its index, a
   * cross pair from its legs) to `bps` from the next step on, as `crossOffsetBps` plants it at
   * the start: a swap's premium turning into a discount flips its funding. For tests and demos.
   */
  setCrossOffset(instId: string, bps: number): void {
    const st = this.state(instId);
    if (!st.legs)
      throw new ValidationError(
        'instId',
        `${instId} follows no other instrument: it has no offset`,
        'give a contract (e.g. BTC-USDT-SWAP) or a cross pair (e.g. ETH-BTC)',
      );
    if (!Number.isFinite(bps) || bps <= -10_000)
      throw new ValidationError('bps', `${bps} is not an offset above -10000 bps`, 'e.g. -40');
    st.offset = Math.log1p(bps / 10_000);
  }

  depth(instId: string, levels: number): Depth {
    const st = this.state(instId);
    const n = Math.max(1, Math.min(Math.floor(levels) || 1, 400));
    return {
      bids: st.book.levels('bid', n),
      asks: st.book.levels('ask', n),
      seqId: st.book.seqId,
      ts: st.book.ts,
    };
  }

  last(instId: string): string {
    const st = this.state(instId);
    return formatFixed(st.lastPx, st.pxDec);
  }

  ticker(instId: string): TickerPayload {
    const st = this.state(instId);
    const px = (p: number | undefined) => (p === undefined ? '' : formatFixed(p, st.pxDec));
    const s24 = this.stats24(st);
    const bid = st.book.bids[0];
    const ask = st.book.asks[0];
    return {
      instType: st.inst.instType,
      instId,
      last: px(st.lastPx),
      lastSz: formatTrim(st.lastSz, st.szDec),
      askPx: px(ask?.p),
      askSz: ask ? formatTrim(ask.q, st.szDec) : '',
      bidPx: px(bid?.p),
      bidSz: bid ? formatTrim(bid.q, st.szDec) : '',
      open24h: px(s24?.o ?? st.lastPx),
      high24h: px(s24?.h ?? st.lastPx),
      low24h: px(s24?.l ?? st.lastPx),
      volCcy24h: formatTrim(s24?.q ?? 0n, st.pxDec + st.szDec),
      vol24h: formatTrim(s24?.v ?? 0, st.szDec),
      sodUtc0: px(this.sod(st, '1Dutc')),
      sodUtc8: px(this.sod(st, '1D')),
      ts: String(this.tNow),
    };
  }

  candles(
    instId: string,
    bar: string,
    opts: { after?: number; before?: number; limit?: number; history?: boolean } = {},
  ): CandleRow[] {
    const st = this.state(instId);
    if (!isBar(bar) || (bar === '1s' && !opts.history)) {
      throw new ValidationError(
        'bar',
        `"${bar}" is not a candle bar here`,
        '1m 3m 5m 15m 30m 1H 2H 4H 6H 12H 1D 2D 3D 1W 1M 3M, the *utc forms, and 1s on history-candles',
      );
    }
    const limit = Math.max(1, Math.min(Math.floor(opts.limit ?? 100) || 100, 300));
    const now = this.tNow;
    const current = barStart(bar, now);
    let cursor = opts.after !== undefined ? barStart(bar, opts.after - 1) : current;
    if (cursor > current) cursor = current;
    let floor = st.history.start;
    if (bar === '1s') floor = Math.max(floor, now - HISTORY_1S_MS);
    let earliest = -Infinity;
    if (!opts.history) {
      earliest = current;
      for (let i = 0; i < RECENT_CANDLES - 1 && earliest > floor; i++) earliest = prevBarStart(bar, earliest);
    }
    const rows: CandleRow[] = [];
    while (rows.length < limit && cursor >= earliest) {
      if (opts.before !== undefined && cursor <= opts.before) break;
      const end = nextBarStart(bar, cursor);
      if (end <= floor) break;
      const b = bar === '1s' ? this.second(st, cursor) : this.aggregate(st, cursor, end);
      if (b) rows.push(this.row(st, cursor, b, end <= now ? '1' : '0'));
      cursor = prevBarStart(bar, cursor);
    }
    return rows;
  }

  trades(instId: string, limit: number): PublicTrade[] {
    const st = this.state(instId);
    const n = Math.max(1, Math.min(Math.floor(limit) || 100, 500));
    return st.tape
      .slice(-n)
      .reverse()
      .map((t) => ({ ...t }));
  }

  take(instId: string, side: 'buy' | 'sell', sz: string, limitPx?: string): MarketFill[] {
    const st = this.state(instId);
    this.advanceTo(this.clock.now());
    let remaining = parseUnits(sz, st.szDec, 'sz');
    let limit: number | undefined;
    if (limitPx !== undefined) limit = parseUnits(limitPx, st.pxDec, 'px', side === 'buy' ? 'floor' : 'ceil');
    const levels = side === 'buy' ? st.book.asks : st.book.bids;
    const bookSide = side === 'buy' ? 'ask' : 'bid';
    const fills: MarketFill[] = [];
    const trades: PublicTrade[] = [];
    const ts = this.tNow;
    while (remaining > 0 && levels.length > 0) {
      const l = levels[0]!;
      if (limit !== undefined && (side === 'buy' ? l.p > limit : l.p < limit)) break;
      const q = Math.min(remaining, l.q);
      const p = l.p;
      st.book.reduceAt(bookSide, 0, q);
      remaining -= q;
      fills.push({ px: formatFixed(p, st.pxDec), sz: formatTrim(q, st.szDec) });
      trades.push(this.print(st, ts, p, q, side));
    }
    const delta = st.book.commit(ts);
    if (delta || trades.length) this.emitUpdate({ instId, ts, ...(delta ? { book: delta } : {}), trades });
    return fills;
  }

  recordTrade(instId: string, px: string, sz: string, takerSide: 'buy' | 'sell'): void {
    const st = this.state(instId);
    this.advanceTo(this.clock.now());
    const p = parseUnits(px, st.pxDec, 'px');
    const q = parseUnits(sz, st.szDec, 'sz');
    if (q <= 0 || p <= 0) return;
    const ts = this.tNow;
    const t = this.print(st, ts, p, q, takerSide);
    this.emitUpdate({ instId, ts, trades: [t] });
  }

  onTrades(listener: TradesListener): () => void {
    this.tradeListeners.add(listener);
    return () => this.tradeListeners.delete(listener);
  }

  onUpdate(listener: UpdateListener): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  // --- the process -------------------------------------------------------------------------

  private step(ts: number): void {
    for (const st of this.order) {
      if (st.legs) continue;
      const dx = st.sigmaStep * st.rng.gauss() + st.kappaStep * (st.x0 - st.x);
      st.x += dx;
      st.lastMove = dx;
    }
    for (const st of this.order) {
      if (!st.legs) continue;
      const [a, b] = st.legs;
      // The cross follows its legs; its basis mean-reverts within a few basis points.
      st.basis = 0.97 * st.basis + CROSS_BASIS_SD * Math.sqrt(1 - 0.97 ** 2) * st.rng.gauss();
      const x = a.x - b.x + st.basis + st.offset;
      st.lastMove = x - st.x;
      st.x = x;
    }
    for (const st of this.order) {
      const rng = st.rng;
      const book = st.book;
      book.recentre(Math.exp(st.x) / st.tick, rng);
      const trades: PublicTrade[] = [];
      const u = rng.next();
      const n = u < 0.22 ? 1 : u < 0.3 ? 2 : 0;
      for (let i = 0; i < n; i++) {
        const pBuy = st.lastMove > 0 ? 0.7 : st.lastMove < 0 ? 0.3 : 0.5;
        const side = rng.next() < pBuy ? 'buy' : 'sell';
        const levels = side === 'buy' ? book.asks : book.bids;
        const l = levels[0];
        if (!l) continue;
        const want = Math.max(1, Math.round(rng.logUniform(st.tradeLots[0], st.tradeLots[1])));
        const q = Math.min(want, l.q);
        const p = l.p;
        book.reduceAt(side === 'buy' ? 'ask' : 'bid', 0, q, rng);
        trades.push(this.print(st, ts, p, q, side));
      }
      book.churn(rng, 3 + Math.floor(rng.next() * 5));
      book.fillDepth(rng);
      const delta = book.commit(ts);
      if (ts % MINUTE === 0) st.live.prune(ts);
      if (delta || trades.length)
        this.emitUpdate({ instId: st.inst.instId, ts, ...(delta ? { book: delta } : {}), trades });
      if (trades.length)
        for (const l of this.tradeListeners)
          l(
            st.inst.instId,
            trades.map((t) => ({ ...t })),
          );
    }
  }

  /**
   * Crosses a long clock jump minute by minute instead of step by step: the price walks on with
   * the same volatility and each minute gets a candle (open, high, low, close and volume), so
   * history has no hole; the book is re-centred by the first ordinary step after the leap.
   */
  private leap(from: number, to: number): void {
    let a = from;
    while (a < to) {
      const b = Math.min(to, (Math.floor(a / MINUTE) + 1) * MINUTE);
      const steps = (b - a) / STEP_MS;
      for (const st of this.order) {
        if (st.legs) continue;
        st.x += st.sigmaStep * Math.sqrt(steps) * st.rng.gauss() + st.kappaStep * steps * (st.x0 - st.x);
      }
      for (const st of this.order) {
        const open = st.lastPx;
        if (st.legs) {
          const decay = 0.97 ** steps;
          st.basis = decay * st.basis + CROSS_BASIS_SD * Math.sqrt(1 - decay ** 2) * st.rng.gauss();
          st.x = st.legs[0].x - st.legs[1].x + st.basis + st.offset;
        }
        const close = Math.max(1, Math.round(Math.exp(st.x) / st.tick));
        if (b - a < 4) continue;
        const wick = st.sigmaStep * Math.sqrt(steps) * 0.5;
        const hi = Math.max(
          open,
          close,
          Math.round(Math.max(open, close) * (1 + Math.abs(st.rng.gauss()) * wick)),
        );
        const lo = Math.max(
          1,
          Math.min(open, close, Math.round(Math.min(open, close) * (1 - Math.abs(st.rng.gauss()) * wick))),
        );
        const lots = Math.max(4, Math.round((st.volMinLots * (b - a)) / MINUTE));
        const q = Math.floor(lots / 4);
        const span = b - a;
        const marks: [number, number, number][] = [
          [a + 1, open, q],
          [a + Math.floor(span / 3), hi, q],
          [a + Math.floor((2 * span) / 3), lo, q],
          [b - 1, close, lots - 3 * q],
        ];
        for (const [ts, p, v] of marks) st.live.add(ts, p, v, BigInt(p) * BigInt(v));
        st.lastPx = close;
      }
      a = b;
    }
  }

  private print(st: InstState, ts: number, p: number, q: number, side: 'buy' | 'sell'): PublicTrade {
    const t: PublicTrade = {
      instId: st.inst.instId,
      tradeId: String(st.nextTradeId++),
      px: formatFixed(p, st.pxDec),
      sz: formatTrim(q, st.szDec),
      side,
      ts,
    };
    st.tape.push(t);
    if (st.tape.length > TAPE_KEEP * 2) st.tape.splice(0, st.tape.length - TAPE_KEEP);
    st.live.add(ts, p, q, BigInt(p) * BigInt(q));
    st.lastPx = p;
    st.lastSz = q;
    return t;
  }

  private emitUpdate(u: MarketUpdate): void {
    for (const l of this.updateListeners) l(u);
  }

  // --- candles -----------------------------------------------------------------------------

  /** One bucket over [s, e) from history and live trades; hours whole where possible. */
  private aggregate(st: InstState, s: number, e: number): Bucket | undefined {
    const h = st.history;
    let out: Bucket | undefined;
    if (s < h.end) {
      out = this.overHours(
        s,
        Math.min(e, h.end),
        h.end,
        (H) => h.hourSummary(H),
        (H, a, b) => {
          let acc: Bucket | undefined;
          for (const m of h.minutes(H)) if (m.ts >= a && m.ts < b) acc = mergeBuckets(acc, m);
          return acc;
        },
      );
    }
    if (e > h.end) {
      const live = st.live;
      out = mergeBuckets(
        out,
        this.overHours(
          Math.max(s, h.end),
          e,
          Infinity,
          (H) => live.hour.get(H * HOUR),
          (_H, a, b) => {
            let acc: Bucket | undefined;
            for (let m = Math.floor(a / MINUTE) * MINUTE; m < b; m += MINUTE) {
              const x = live.min.get(m);
              if (x) acc = mergeBuckets(acc, x);
            }
            return acc;
          },
        ),
      );
    }
    return out;
  }

  private overHours(
    s: number,
    e: number,
    clip: number,
    whole: (hour: number) => Bucket | undefined,
    part: (hour: number, a: number, b: number) => Bucket | undefined,
  ): Bucket | undefined {
    let out: Bucket | undefined;
    for (let H = Math.floor(s / HOUR); H * HOUR < e; H++) {
      const hs = H * HOUR;
      const he = Math.min(hs + HOUR, clip);
      const b = hs >= s && he <= e ? whole(H) : part(H, Math.max(s, hs), Math.min(e, hs + HOUR));
      out = mergeBuckets(out, b);
    }
    return out;
  }

  private second(st: InstState, ts: number): Bucket | undefined {
    if (ts >= st.history.end) return st.live.sec.get(ts);
    const m = Math.floor(ts / MINUTE) * MINUTE;
    const key = `${st.inst.instId}:${m}`;
    if (this.secCache?.key !== key) {
      const rec = st.history.minutes(Math.floor(m / HOUR)).find((r) => r.ts === m);
      this.secCache = { key, secs: rec ? secondsOfMinute(rec, this.seed, st.index) : [] };
    }
    return this.secCache.secs[(ts - m) / SECOND];
  }

  private row(st: InstState, ts: number, b: Bucket, confirm: string): CandleRow {
    const px = (p: number) => formatFixed(p, st.pxDec);
    const quote = formatTrim(b.q, st.pxDec + st.szDec);
    return [String(ts), px(b.o), px(b.h), px(b.l), px(b.c), formatTrim(b.v, st.szDec), quote, quote, confirm];
  }

  /** Rolling 24 h: whole minutes cached once a minute, plus the current minute. */
  private stats24(st: InstState): Bucket | undefined {
    const m = Math.floor(this.tNow / MINUTE) * MINUTE;
    if (st.stats?.minute !== m) st.stats = { minute: m, agg: this.aggregate(st, m - DAY + MINUTE, m) };
    return mergeBuckets(st.stats.agg, this.aggregate(st, m, m + MINUTE));
  }

  /** Opening price of the day (UTC or UTC+8), fixed once the day has data. */
  private sod(st: InstState, bar: '1D' | '1Dutc'): number {
    const day = barStart(bar, this.tNow);
    const hit = st.sod.get(day);
    if (hit !== undefined) return hit;
    const b = this.aggregate(st, day, Math.min(day + HOUR, this.tNow + 1));
    if (!b) return st.lastPx;
    if (st.sod.size > 8) st.sod.clear();
    st.sod.set(day, b.o);
    return b.o;
  }

  private state(instId: string): InstState {
    const st = this.states.get(instId);
    if (!st)
      throw new ValidationError(
        'instId',
        `"${instId}" is not an instrument of the local exchange`,
        `use one of ${[...this.states.keys()].join(', ')}`,
      );
    return st;
  }
}

/** Trades printed on a fresh exchange's tape before it starts (as a real one is never empty). */
const SEED_TRADES = 100;

/**
 * Fills the tape with the last minute's trades before `start`: a walk of a few ticks ending at
 * the start price, sizes drawn like live trades, ids just below the first live id. It uses its own
 * generator, so the live market draws the same numbers as without it.
 */
function seedTape(st: InstState, rng: Rng, start: number): void {
  let p = st.lastPx;
  const out: PublicTrade[] = [];
  for (let k = 0; k < SEED_TRADES; k++) {
    const [lo, hi] = st.tradeLots;
    const q = Math.max(1, Math.round(lo * Math.exp(rng.next() * Math.log(hi / lo || 1))));
    out.push({
      instId: st.inst.instId,
      tradeId: String(st.nextTradeId - 1 - k),
      px: formatFixed(p, st.pxDec),
      sz: formatTrim(q, st.szDec),
      side: rng.next() < 0.5 ? 'buy' : 'sell',
      ts: start - 1 - k * 600,
    });
    p = Math.max(1, p + rng.int(-1, 1));
  }
  st.tape = out.reverse();
}

/** A constant price of 1: the quote leg of a contract that follows one index. */
const UNIT_HISTORY: HistorySource = {
  start: 0,
  end: Number.MAX_SAFE_INTEGER,
  minutes(hour: number): readonly Bucket[] {
    return Array.from({ length: 60 }, (_, j) => ({
      ts: hour * HOUR + j * MINUTE,
      o: 1,
      h: 1,
      l: 1,
      c: 1,
      v: 0,
      q: 0n,
    }));
  },
  hourSummary(hour: number): Bucket | undefined {
    return { ts: hour * HOUR, o: 1, h: 1, l: 1, c: 1, v: 0, q: 0n };
  },
};
const UNIT_LEG = { x: 0, tick: 1, lot: 1, lastPx: 1, history: UNIT_HISTORY } as unknown as InstState;
