import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type MarketStore } from '../data/store.js';
import { ManualClock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import {
  BasisBot,
  type BasisBotOptions,
  type BasisPnl,
  type FundingSource,
  type SettledFunding,
} from './basis.js';
import { BookBoard } from './books.js';
import { ConsumedDepth } from './depth.js';
import { PaperVenue, type PaperInstrument } from './paper.js';
import { loadRecordedBooks } from './replay.js';
import type { BookView } from './types.js';

/** The bot's settings in paper and backtest modes: everything but its port, funding and clock. */
export type BasisBotSettings = Omit<
  BasisBotOptions,
  'port' | 'funding' | 'clock' | 'spotInstId' | 'swapInstId'
>;

/**
 * Funding on a paper venue: the rates from `rates` (the live exchange in paper mode, the
 * recording in a backtest) and what the paper position received or paid from the venue's own
 * settlements.
 */
export function paperFunding(
  venue: PaperVenue,
  rates: Pick<FundingSource, 'rate' | 'settled'>,
): FundingSource {
  return {
    rate: (instId) => rates.rate(instId),
    settled: (instId, since) => rates.settled(instId, since),
    paid(instId, since) {
      let sum = 0;
      for (const f of venue.fundingLog) if (f.instId === instId && f.ts >= since) sum += f.amount;
      return Promise.resolve(sum);
    },
  };
}

/** Options of a basis backtest: recorded books of the spot and the swap, the settled fundings, the bot's settings. */
export interface BasisReplayOptions {
  /** Books of `spotInstId` and `swapInstId` (one venue) in time order. */
  events: readonly BookView[];
  /** Settled fundings of the swap, oldest first (the store's `funding` kind). */
  funding: readonly SettledFunding[];
  spotInstId: string;
  swapInstId: string;
  /** Rules of the two instruments; the swap needs `ctVal`. */
  instruments: Record<string, PaperInstrument>;
  bot: BasisBotSettings;
  balances: Record<string, number>;
  /** A decision every this many ms of book time. Default 1000. */
  stepMs?: number;
}

/** What a basis backtest did: decisions as they changed, the final state and the PnL split. */
export interface BasisReplayReport {
  events: number;
  steps: number;
  from: number;
  to: number;
  /** Each decision that differed from the one before, with its book time. */
  decisions: { ts: number; decision: string }[];
  state: BasisBot['state'];
  /** Fundings settled on the paper position. */
  fundings: number;
  pnl: BasisPnl;
  balances: Record<string, number>;
}

/**
 * The basis backtest (docs/ARBITRAGE.md, "Paper and backtest"): the recorded spot and swap books
 * replayed in time order on a manual clock, the same `BasisBot` deciding every `stepMs` of book
 * time on a paper venue that fills against those books (consuming them) and keeps the short's
 * margin at the swap's mid. Each recorded funding is settled on the position at its funding
 * time. The predicted rate the bot reads is the last rate settled before the moment (the
 * recording holds no forecasts, and the next settled rate would be hindsight).
 */
export async function replayBasis(o: BasisReplayOptions): Promise<BasisReplayReport> {
  if (!(Number(o.instruments[o.swapInstId]?.ctVal) > 0))
    throw new ValidationError(
      `instruments.${o.swapInstId}.ctVal`,
      'the swap contract value is needed to replay it',
      'e.g. --ct-val 0.01 for BTC-USDT-SWAP',
    );
  const clock = new ManualClock(o.events[0]?.ts ?? 0);
  const board = new BookBoard();
  const consumed = new ConsumedDepth(board);
  const venue = new PaperVenue({
    venue: 'paper',
    books: (_v, i) => board.get('paper', i),
    consumed,
    balances: { ...o.balances },
    takerFee: o.bot.fees.spot,
    swapTakerFee: o.bot.fees.swap,
    instruments: o.instruments,
    clock,
  });
  const fundings = [...o.funding].sort((a, b) => a.fundingTime - b.fundingTime);
  const known = () => fundings.filter((f) => f.fundingTime <= clock.now());
  const bot = new BasisBot({
    ...o.bot,
    spotInstId: o.spotInstId,
    swapInstId: o.swapInstId,
    port: venue,
    books: (i) => consumed.get('paper', i),
    funding: paperFunding(venue, {
      rate: () => Promise.resolve(known().at(-1)?.rate ?? 0),
      settled: (_i, since) => Promise.resolve(known().filter((f) => f.fundingTime >= since)),
    }),
    clock,
  });
  const stepMs = o.stepMs ?? 1000;
  const decisions: BasisReplayReport['decisions'] = [];
  let next = 0;
  let lastStep = -Infinity;
  let steps = 0;
  let settledCount = 0;
  for (const ev of o.events) {
    if (ev.instId !== o.spotInstId && ev.instId !== o.swapInstId) continue;
    // Fundings due before this book: settled on the position at the swap's book then.
    while (next < fundings.length && fundings[next]!.fundingTime <= ev.ts) {
      const f = fundings[next++]!;
      clock.set(Math.max(clock.now(), f.fundingTime));
      if (venue.settleFunding(o.swapInstId, f.rate, f.fundingTime) !== 0) settledCount++;
    }
    clock.set(Math.max(clock.now(), ev.ts));
    board.set({ ...ev, venue: 'paper' });
    if (!board.get('paper', o.spotInstId) || !board.get('paper', o.swapInstId)) continue;
    if (ev.ts - lastStep < stepMs) continue;
    lastStep = ev.ts;
    steps++;
    const d = await bot.step();
    const kind = d.split(':')[0];
    if (decisions.at(-1)?.decision.split(':')[0] !== kind) decisions.push({ ts: ev.ts, decision: d });
  }
  consumed.close();
  return {
    events: o.events.length,
    steps,
    from: o.events[0]?.ts ?? 0,
    to: o.events.at(-1)?.ts ?? 0,
    decisions,
    state: bot.state,
    fundings: settledCount,
    pnl: await bot.pnl(),
    balances: Object.fromEntries((await venue.balances()).map((b) => [b.ccy, Number(b.eq)])),
  };
}

/** The instrument rules a basis recording keeps beside its books (`instruments.json`). */
export const INSTRUMENTS_FILE = 'instruments.json';

/**
 * The basis backtest from a store: the spot and swap books a recording taped (`<dir>/venues/
 * <venue>`, or a market-data store's `books` at `<dir>` when it has no venues folder), the swap's
 * settled fundings from the same store (kind `funding`), and the instruments' rules from the
 * recording's `instruments.json` (or `ctVal`).
 */
export async function basisBacktestFromStore(o: {
  dir: string;
  venue: string;
  spotInstId: string;
  swapInstId: string;
  ctVal?: string;
  bot: BasisBotSettings;
  balances: Record<string, number>;
  stepMs?: number;
}): Promise<BasisReplayReport> {
  const venueDir = join(o.dir, 'venues', o.venue);
  const dir = existsSync(venueDir) ? venueDir : o.dir;
  let instruments: Record<string, PaperInstrument> = {};
  const file = join(dir, INSTRUMENTS_FILE);
  if (existsSync(file))
    instruments = JSON.parse(readFileSync(file, 'utf8')) as Record<string, PaperInstrument>;
  if (o.ctVal !== undefined) instruments[o.swapInstId] = { ...instruments[o.swapInstId], ctVal: o.ctVal };
  let store: MarketStore | undefined;
  try {
    store = await openStore(dir);
    const events = await loadRecordedBooks({ [o.venue]: store }, { [o.venue]: [o.spotInstId, o.swapInstId] });
    if (events.length === 0)
      throw new ValidationError(
        '--dir',
        `${dir} holds no books of ${o.spotInstId} or ${o.swapInstId}`,
        'record them first: okxkit arb basis scan --dir <store>',
      );
    const f = await store.funding({ instId: o.swapInstId });
    const funding = Array.from(f.ts, (ts, i) => ({
      fundingTime: ts,
      rate:
        Number.isFinite(f.realizedRate[i]!) && f.realizedRate[i] !== 0
          ? f.realizedRate[i]!
          : f.fundingRate[i]!,
    }));
    return await replayBasis({
      events,
      funding,
      spotInstId: o.spotInstId,
      swapInstId: o.swapInstId,
      instruments,
      bot: o.bot,
      balances: o.balances,
      ...(o.stepMs !== undefined ? { stepMs: o.stepMs } : {}),
    });
  } finally {
    await store?.close();
  }
}
