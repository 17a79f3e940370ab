import { join } from 'node:path';
import type { Credentials } from '../client/credentials.js';
import { openStore, type MarketStore } from '../data/store.js';
import type { ExchangePort } from '../trading/exchange-port.js';
import { Executor } from '../trading/executor.js';
import { OrderJournal } from '../trading/journal.js';
import { OrderGuard } from '../trading/order-guard.js';
import { SafeExchange } from '../trading/safe-exchange.js';
import { systemClock, timersOf, type Clock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import { BookBoard } from './books.js';
import { CcxtExchange, createCcxt } from './ccxt-exchange.js';
import { ConsumedDepth } from './depth.js';
import { OpportunityEngine } from './engine.js';
import { ArbBot, type ArbRun } from './execute.js';
import { PaperVenue } from './paper.js';
import { OpportunityLog } from './record.js';
import { BookTape, instrumentsFor } from './replay.js';
import type { CycleSpec, Opportunity, PairSpec } from './types.js';
import { openOkxVenue, type OkxVenue } from './venue.js';

/** A venue of a scan: an OKX-compatible REST/WS base URL, or any ccxt exchange. */
export interface VenueSpec {
  name: string;
  kind: 'okx' | 'ccxt';
  /** OKX-compatible base URL; for ccxt, an optional REST host override. */
  url?: string;
  /** ccxt exchange id (kind ccxt). */
  exchange?: string;
  /** OKX-compatible venues. */
  credentials?: Credentials;
  /** ccxt venues: the keys as ccxt takes them. */
  ccxtKeys?: { apiKey: string; secret: string; password?: string };
}

/** Options of an `okxkit arb` session: the venues, the cycles and pairs to scan and the largest cycle size. */
export interface ArbSessionOptions {
  venues: VenueSpec[];
  cycles: CycleSpec[];
  pairs: PairSpec[];
  maxCycleSize: number;
  maxPairSize: number;
  /** Used when a venue cannot report its fee tier (no credentials). */
  takerFee?: number;
  /** Record opportunities at or above this edge (bps). */
  thresholdBps: number;
  /** Store folder: opportunities in it, each venue's books in `<dir>/venues/<name>`. */
  storeDir?: string;
  /** Trade what is found: live through each venue's guard and journal, or on paper. */
  trade?: {
    mode: 'live' | 'paper';
    lossBudget: number;
    latencyBudgetMs: number;
    journalDir: string;
    /** Paper balances per currency (every venue). */
    paperBalances?: Record<string, number>;
  };
  /** Least time between two scans (ms). Default 0: scan on every book change. */
  scanEveryMs?: number;
  /** ccxt venues poll their books this often (ms). Default 250. */
  pollMs?: number;
  clock?: Clock;
}

/** The end-of-session summary of `okxkit arb`: scans, recorded rows and the best edge seen per route. */
export interface ArbSummary {
  scans: number;
  recorded: number;
  bookRows: number;
  /** The best edge seen per route. */
  best: Opportunity[];
  runs: ArbRun[];
  fees: Record<string, { taker: number; source: string; level: string }>;
}

/**
 * A running arbitrage scan: venues connected, books on the board, the engine scanning on each
 * change, opportunities above the threshold recorded, and with `trade`, the bot executing the
 * best. `latest` is the last scan (for a live table); `stop()` ends it and returns the summary.
 */
export class ArbSession {
  latest: Opportunity[] = [];
  private constructor(
    private readonly stopFn: () => Promise<ArbSummary>,
    readonly board: BookBoard,
  ) {}

  stop(): Promise<ArbSummary> {
    return this.stopFn();
  }

  // long: one composition root: venues, stores, engine, bot and the change handler share the cleanup list
  static async start(o: ArbSessionOptions): Promise<ArbSession> {
    const clock = o.clock ?? systemClock;
    const board = new BookBoard();
    const cleanups: (() => Promise<void> | void)[] = [];
    const close = async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    };
    try {
      const instruments = instrumentsFor(
        o.venues.map((v) => v.name),
        o.cycles,
        o.pairs,
      );

      let store: MarketStore | undefined;
      const venueStores: Record<string, MarketStore> = {};
      if (o.storeDir) {
        store = await openStore(o.storeDir);
        cleanups.push(() => store!.close());
        for (const v of o.venues) {
          const s = await openStore(join(o.storeDir, 'venues', v.name));
          venueStores[v.name] = s;
          cleanups.push(() => s.close());
        }
      }
      const fees: ArbSummary['fees'] = {};
      const ports: Record<string, ExchangePort> = {};
      const okxVenues: OkxVenue[] = [];
      for (const v of o.venues) {
        if (v.kind === 'okx') {
          const ov = await openOkxVenue({
            name: v.name,
            baseUrl: v.url!,
            ...(v.credentials ? { credentials: v.credentials } : {}),
            instIds: instruments[v.name]!,
            board,
            ...(o.takerFee !== undefined ? { takerFee: o.takerFee } : {}),
            ...(o.trade?.mode === 'live' ? { journalDir: o.trade.journalDir } : {}),
            clock,
          });
          okxVenues.push(ov);
          cleanups.push(() => ov.close());
          fees[v.name] = { taker: ov.fees.spot, source: ov.fees.source, level: ov.fees.level };
          if (ov.port) ports[v.name] = ov.port;
        } else {
          const k = v.ccxtKeys;
          const ex = new CcxtExchange(
            await createCcxt({
              exchange: v.exchange!,
              ...(k ?? {}),
              ...(v.url ? { restUrl: v.url } : {}),
            }),
            { clock },
          );
          const taker = k ? await ex.takerFee(instruments[v.name]![0]!) : o.takerFee;
          if (taker === undefined)
            throw new ValidationError(
              `venue ${v.name}`,
              'has no credentials to read its fees and no taker fee was given',
              'give --taker-fee',
            );
          fees[v.name] = { taker, source: k ? 'ccxt fetchTradingFee' : 'given', level: '' };
          const stop = ex.pollBooks(board, v.name, instruments[v.name]!, o.pollMs ?? 250);
          cleanups.push(stop);
          if (k && o.trade?.mode === 'live') {
            const journal = new OrderJournal(join(o.trade.journalDir, `${v.name}-journal.db`), { clock });
            cleanups.push(() => journal.close());
            ports[v.name] = new SafeExchange({
              inner: ex,
              executor: new Executor({ venue: ex, journal }),
              guard: new OrderGuard({ market: ex, clock }),
            });
          }
        }
      }
      const takerFee = Object.fromEntries(Object.entries(fees).map(([v, f]) => [v, f.taker]));
      // On paper, the engine and the bot see the books minus what the paper fills took.
      const consumed = o.trade?.mode === 'paper' ? new ConsumedDepth(board) : undefined;
      if (consumed) cleanups.push(() => consumed.close());
      const get = consumed
        ? (v: string, i: string) => consumed.get(v, i)
        : (v: string, i: string) => board.get(v, i);
      const engine = new OpportunityEngine({
        books: get,
        instruments,
        cycles: o.cycles,
        pairs: o.pairs,
        takerFee,
        maxCycleSize: o.maxCycleSize,
        maxPairSize: o.maxPairSize,
        clock,
      });
      let bot: ArbBot | undefined;
      if (o.trade) {
        const venues: Record<string, ExchangePort> =
          o.trade.mode === 'live'
            ? ports
            : Object.fromEntries(
                o.venues.map((v) => [
                  v.name,
                  new PaperVenue({
                    venue: v.name,
                    books: (x, i) => board.get(x, i),
                    ...(consumed ? { consumed } : {}),
                    balances: o.trade!.paperBalances ?? {},
                    takerFee: takerFee[v.name] ?? 0,
                    clock,
                  }),
                ]),
              );
        bot = new ArbBot({
          id: o.trade.mode === 'live' ? 'arb' : 'paper',
          venues,
          books: get,
          takerFee,
          latencyBudgetMs: o.trade.latencyBudgetMs,
          lossBudget: o.trade.lossBudget,
          slippageBps: 10,
          clock,
        });
      }
      const log = store ? new OpportunityLog(store, { thresholdBps: o.thresholdBps }) : undefined;
      const tape = o.storeDir ? new BookTape(venueStores, { everyMs: 1000, depth: 20 }) : undefined;
      const best = new Map<string, Opportunity>();
      let scans = 0;
      let busy = false;
      let lastScan = -Infinity;
      const session = new ArbSession(async () => {
        off();
        await close.call(null).catch(() => undefined);
        return {
          scans,
          recorded: log?.recorded ?? 0,
          bookRows: tape?.rows ?? 0,
          best: [...best.values()].sort((a, b) => b.edgeBps - a.edgeBps),
          runs: bot?.runs ?? [],
          fees,
        };
      }, board);
      const onChange = (venue: string, instId: string) => {
        if (tape) {
          const view = board.get(venue, instId);
          if (view) tape.add(view);
        }
        const now = clock.now();
        if (busy || now - lastScan < (o.scanEveryMs ?? 0)) return;
        lastScan = now;
        const opps = engine.scan();
        scans++;
        session.latest = opps;
        for (const op of opps) {
          const b = best.get(op.id);
          if (!b || op.edgeBps > b.edgeBps) best.set(op.id, op);
          log?.add(op);
        }
        const top = opps[0];
        if (bot && top && top.profit > 0 && top.edgeBps >= o.thresholdBps) {
          busy = true;
          void bot.execute(top).finally(() => (busy = false));
        }
      };
      const off = board.onChange(onChange);
      // Flush recordings before closing the stores (registered last: runs first).
      cleanups.push(async () => {
        while (busy) await new Promise<void>((r) => timersOf(clock).setTimeout(r, 5));
        await log?.flush();
        await tape?.flush();
      });
      return session;
    } catch (err) {
      await close();
      throw err;
    }
  }
}
