import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Credentials } from '../client/credentials.js';
import { openStore, type MarketStore } from '../data/store.js';
import { needDerivatives } from '../trading/exchange-port.js';
import { OkxExchange } from '../trading/okx-exchange.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { systemClock, timersOf, type Clock, type TimerHandle } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import { BasisBot, okxFunding, type BasisEdge, type BasisPnl, type BasisPort } from './basis.js';
import { INSTRUMENTS_FILE, paperFunding, type BasisBotSettings } from './basis-replay.js';
import { BookBoard } from './books.js';
import { ConsumedDepth } from './depth.js';
import { PaperVenue } from './paper.js';
import { BookTape } from './replay.js';
import { openOkxVenue } from './venue.js';

/** Options of `okxkit arb basis scan|run`: one OKX-compatible venue, its spot and swap, the bot's settings. */
export interface BasisSessionOptions {
  name: string;
  url: string;
  credentials?: Credentials;
  spotInstId: string;
  swapInstId: string;
  /** Used when the venue cannot report its fee tier (no credentials). */
  fees?: { spot: number; swap: number };
  /** The bot's settings, its fees aside (those are the account's tier). */
  bot: Omit<BasisBotSettings, 'fees'>;
  /** scan: the edge only; paper: the bot on a paper venue over the live books; live: the bot through the guard and journal. */
  mode: 'scan' | 'paper' | 'live';
  /** A decision (or an edge in scan mode) every this many ms. Default 1000. */
  stepMs?: number;
  /** Tape the two books (and at the end the settled fundings) into `<dir>/venues/<name>`. */
  storeDir?: string;
  /** Folder of the order journal (live). */
  journalDir?: string;
  /** Paper balances. */
  paperBalances?: Record<string, number>;
  clock?: Clock;
}

/** The end of a basis session: the fee tier used, the edges seen, the decisions, the PnL split. */
export interface BasisSummary {
  fees: { spot: number; swap: number; source: string; level: string };
  steps: number;
  /** The best and the latest entry edge seen. */
  best?: BasisEdge;
  latest?: BasisEdge;
  decisions: { ts: number; decision: string }[];
  state: BasisBot['state'];
  pnl: BasisPnl;
  bookRows: number;
  fundingRows: number;
}

/**
 * A running basis session on one venue: live verified books of the spot and the swap, the
 * account's fee tier, the edge every `stepMs`, and in paper or live mode the `BasisBot` deciding
 * on them (docs/ARBITRAGE.md, "Basis and funding"). `stop()` ends it and returns the summary.
 */
export class BasisSession {
  latest: BasisEdge | undefined;
  lastDecision = '';
  private constructor(private readonly stopFn: () => Promise<BasisSummary>) {}

  stop(): Promise<BasisSummary> {
    return this.stopFn();
  }

  // long: one composition root: venue, store, paper or live port, bot, the step timer and the cleanup list
  static async start(o: BasisSessionOptions): Promise<BasisSession> {
    if (!o.swapInstId.endsWith('-SWAP'))
      throw new ValidationError('--swap', `'${o.swapInstId}' is not a perpetual swap`, 'e.g. BTC-USDT-SWAP');
    const clock = o.clock ?? systemClock;
    const board = new BookBoard();
    const cleanups: (() => Promise<void> | void)[] = [];
    const close = async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    };
    try {
      if (o.mode === 'live' && !o.credentials)
        throw new ValidationError(
          'credentials',
          'live basis trading needs a key',
          'use --paper, or give a key',
        );
      if (o.journalDir) mkdirSync(o.journalDir, { recursive: true });
      const venue = await openOkxVenue({
        name: o.name,
        baseUrl: o.url,
        ...(o.credentials ? { credentials: o.credentials } : {}),
        instIds: [o.spotInstId, o.swapInstId],
        board,
        ...(o.fees ? { takerFee: o.fees.spot } : {}),
        ...(o.mode === 'live' && o.journalDir ? { journalDir: o.journalDir } : {}),
        clock,
      });
      cleanups.push(() => venue.close());
      const fees =
        venue.fees.source === 'given' && o.fees
          ? { ...o.fees, source: 'given', level: '' }
          : {
              spot: venue.fees.spot,
              swap: venue.fees.swap,
              source: venue.fees.source,
              level: venue.fees.level,
            };
      const rules = venue.exchange ?? new OkxExchange({ client: venue.client, clock, streamOrders: false });
      const [spotInst, swapInst] = await Promise.all([
        rules.instrument(o.spotInstId),
        rules.instrument(o.swapInstId),
      ]);
      let store: MarketStore | undefined;
      let tape: BookTape | undefined;
      let fundingRows = 0;
      const venueDir = o.storeDir ? join(o.storeDir, 'venues', o.name) : undefined;
      if (venueDir) {
        store = await openStore(venueDir);
        cleanups.push(() => store!.close());
        tape = new BookTape({ [o.name]: store }, { everyMs: 1000, depth: 20 });
      }
      const liveFunding = okxFunding(venue.client);
      let port: BasisPort;
      let paper: PaperVenue | undefined;
      let consumed: ConsumedDepth | undefined;
      if (o.mode === 'live') port = needDerivatives(venue.port!, 'live basis trading');
      else {
        consumed = new ConsumedDepth(board);
        cleanups.push(() => consumed!.close());
        paper = new PaperVenue({
          venue: o.name,
          books: (v, i) => board.get(v, i),
          consumed,
          balances: o.paperBalances ?? { USDT: 100_000 },
          takerFee: fees.spot,
          swapTakerFee: fees.swap,
          instruments: {
            [o.spotInstId]: spotInst
              ? { tickSz: spotInst.tickSz, lotSz: spotInst.lotSz, minSz: spotInst.minSz }
              : {},
            [o.swapInstId]: {
              ...(swapInst ? { tickSz: swapInst.tickSz, lotSz: swapInst.lotSz, minSz: swapInst.minSz } : {}),
              ctVal: swapInst?.ctVal ?? '0.01',
            },
          },
          clock,
        });
        port = paper;
      }
      const bot = new BasisBot({
        ...o.bot,
        fees: { spot: fees.spot, swap: fees.swap },
        spotInstId: o.spotInstId,
        swapInstId: o.swapInstId,
        port,
        books: (i) => (consumed ?? board).get(o.name, i),
        funding: paper ? paperFunding(paper, liveFunding) : liveFunding,
        clock,
      });
      const off = board.onChange((v, i) => {
        const view = board.get(v, i);
        if (view && tape) tape.add(view);
      });
      cleanups.push(off);
      const decisions: BasisSummary['decisions'] = [];
      let best: BasisEdge | undefined;
      let steps = 0;
      let busy: Promise<void> | undefined;
      let paperSettledTo = clock.now();
      const session = new BasisSession(async () => {
        timersOf(clock).clear(timer);
        await busy;
        const summary: BasisSummary = {
          fees,
          steps,
          ...(best ? { best } : {}),
          ...(session.latest ? { latest: session.latest } : {}),
          decisions,
          state: bot.state,
          pnl: await bot.pnl().catch(() => ({ basis: 0, funding: 0, fees: 0, total: 0 })),
          bookRows: tape?.rows ?? 0,
          fundingRows,
        };
        if (store && venueDir) {
          await tape!.flush();
          // The swap's settled fundings next to its books, and the instruments' rules, for a backtest.
          const f = await liveFunding.settled(o.swapInstId, 0).catch(() => []);
          if (f.length) {
            await store.write(
              { kind: 'funding', instId: o.swapInstId },
              {
                ts: f.map((x) => x.fundingTime),
                fundingRate: f.map((x) => x.rate),
                realizedRate: f.map((x) => x.rate),
              },
            );
            fundingRows = summary.fundingRows = f.length;
          }
          writeFileAtomic(
            join(venueDir, INSTRUMENTS_FILE),
            JSON.stringify(
              {
                [o.spotInstId]: spotInst
                  ? { tickSz: spotInst.tickSz, lotSz: spotInst.lotSz, minSz: spotInst.minSz }
                  : {},
                [o.swapInstId]: swapInst
                  ? {
                      tickSz: swapInst.tickSz,
                      lotSz: swapInst.lotSz,
                      minSz: swapInst.minSz,
                      ctVal: swapInst.ctVal,
                    }
                  : {},
              },
              null,
              2,
            ),
            0o644,
          );
        }
        await close();
        return summary;
      });
      const tick = async () => {
        if (!board.get(o.name, o.spotInstId) || !board.get(o.name, o.swapInstId)) return;
        steps++;
        const e = await bot.edge();
        session.latest = e;
        if (!best || e.netBps > best.netBps) best = e;
        if (o.mode === 'scan') return;
        if (paper) {
          // Fundings the exchange settled since the last look, applied to the paper position.
          // Counted by funding time, not by clock: a settlement the exchange books late is still applied.
          for (const f of await liveFunding.settled(o.swapInstId, paperSettledTo + 1)) {
            paper.settleFunding(o.swapInstId, f.rate, f.fundingTime);
            paperSettledTo = Math.max(paperSettledTo, f.fundingTime);
          }
        }
        const d = await bot.step();
        session.lastDecision = d;
        if (decisions.at(-1)?.decision.split(':')[0] !== d.split(':')[0])
          decisions.push({ ts: clock.now(), decision: d });
      };
      const timer: TimerHandle = timersOf(clock).setInterval(() => {
        if (busy) return;
        busy = tick()
          .catch((err: unknown) => {
            const d = `error: ${err instanceof Error ? err.message : String(err)}`;
            session.lastDecision = d;
            decisions.push({ ts: clock.now(), decision: d });
          })
          .finally(() => (busy = undefined));
      }, o.stepMs ?? 1000);
      return session;
    } catch (err) {
      await close();
      throw err;
    }
  }
}
