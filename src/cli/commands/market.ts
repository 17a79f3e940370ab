import type { Command } from 'commander';
import { BARS, type Bar } from '../../client/groups/market.js';
import {
  addClientFlags,
  isoOf,
  output,
  parseChoice,
  parseInstFlag,
  parseIntFlag,
  withClient,
  type ClientFlags,
} from '../common.js';

interface CandleFlags extends ClientFlags {
  bar?: string;
  limit?: string;
  after?: string;
  before?: string;
  history?: boolean;
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
/** `okxkit market ticker|tickers|books|candles|trades`: public market data (docs/REQUIREMENTS.md R16). */
export function register(program: Command): void {
  const market = program.command('market').description('market data: tickers, order books, candles, trades');

  addClientFlags(
    market.command('ticker <instId>').description('last price, best bid/ask, 24 h stats'),
  ).action(async (instId: string, flags: ClientFlags) => {
    const inst = parseInstFlag('instId', instId);
    const t = await withClient(flags, (c) => c.market.ticker(inst));
    output(
      flags,
      [{ ...t, time: isoOf(t.ts) }],
      ['instId', 'last', 'bidPx', 'bidSz', 'askPx', 'askSz', 'high24h', 'low24h', 'vol24h', 'time'],
      t,
    );
  });

  addClientFlags(
    market
      .command('tickers')
      .description('all tickers of an instrument type')
      .option('--inst-type <type>', 'SPOT | SWAP | FUTURES | OPTION', 'SPOT'),
  ).action(async (flags: ClientFlags & { instType: string }) => {
    const type = parseChoice('--inst-type', flags.instType, ['SPOT', 'SWAP', 'FUTURES', 'OPTION'] as const)!;
    const rows = await withClient(flags, (c) => c.market.tickers(type));
    output(flags, rows, ['instId', 'last', 'bidPx', 'askPx', 'vol24h']);
  });

  addClientFlags(
    market
      .command('books <instId>')
      .description('order book snapshot')
      .option('--sz <n>', 'levels per side (1-400)', '5'),
  ).action(async (instId: string, flags: ClientFlags & { sz: string }) => {
    const inst = parseInstFlag('instId', instId);
    const sz = parseIntFlag('--sz', flags.sz, 1, 400)!;
    const book = await withClient(flags, (c) => c.market.books(inst, sz));
    const depth = Math.max(book.asks.length, book.bids.length);
    const rows = Array.from({ length: depth }, (_, i) => ({
      bidSz: book.bids[i]?.[1] ?? '',
      bidPx: book.bids[i]?.[0] ?? '',
      askPx: book.asks[i]?.[0] ?? '',
      askSz: book.asks[i]?.[1] ?? '',
    }));
    output(flags, rows, ['bidSz', 'bidPx', 'askPx', 'askSz'], book);
  });

  addClientFlags(
    market
      .command('candles <instId>')
      .description('candles, newest first')
      .option('--bar <bar>', `bar size (${BARS.join(', ')})`, '1m')
      .option('--limit <n>', 'how many (1-300)', '100')
      .option('--after <ms>', 'only candles older than this ts (ms)')
      .option('--before <ms>', 'only candles newer than this ts (ms)')
      .option('--history', 'read history-candles (older data) instead of the recent 1,440 bars'),
  ).action(async (instId: string, flags: CandleFlags) => {
    const inst = parseInstFlag('instId', instId);
    const bar = parseChoice('--bar', flags.bar, BARS) as Bar;
    const limit = parseIntFlag('--limit', flags.limit, 1, 300);
    const after = parseIntFlag('--after', flags.after, 0, Number.MAX_SAFE_INTEGER);
    const before = parseIntFlag('--before', flags.before, 0, Number.MAX_SAFE_INTEGER);
    const p = { instId: inst, bar, limit, after, before };
    const rows = await withClient(flags, (c) =>
      flags.history ? c.market.historyCandles(p) : c.market.candles(p),
    );
    output(
      flags,
      rows.map((k) => ({ ...k, time: isoOf(k.ts) })),
      ['time', 'o', 'h', 'l', 'c', 'vol', 'confirm'],
      rows,
    );
  });

  addClientFlags(
    market
      .command('trades <instId>')
      .description('recent trades')
      .option('--limit <n>', 'how many (1-500)', '20'),
  ).action(async (instId: string, flags: ClientFlags & { limit: string }) => {
    const inst = parseInstFlag('instId', instId);
    const limit = parseIntFlag('--limit', flags.limit, 1, 500);
    const rows = await withClient(flags, (c) => c.market.trades(inst, limit));
    output(
      flags,
      rows.map((r) => ({ ...r, time: isoOf(r.ts) })),
      ['time', 'side', 'px', 'sz', 'tradeId'],
      rows,
    );
  });

  addClientFlags(
    market
      .command('instruments')
      .description('listed instruments and their trading rules (tick, lot, minimum size)')
      .option('--inst-type <type>', 'SPOT | MARGIN | SWAP | FUTURES | OPTION', 'SPOT')
      .option('--inst <instId>', 'only this instrument'),
  ).action(async (flags: ClientFlags & { instType: string; inst?: string }) => {
    const instType = parseChoice('--inst-type', flags.instType, [
      'SPOT',
      'MARGIN',
      'SWAP',
      'FUTURES',
      'OPTION',
    ] as const)!;
    const instId = flags.inst === undefined ? undefined : parseInstFlag('--inst', flags.inst);
    const rows = await withClient(flags, (c) =>
      c.public.instruments({ instType, ...(instId ? { instId } : {}) }),
    );
    output(flags, rows, ['instId', 'baseCcy', 'quoteCcy', 'tickSz', 'lotSz', 'minSz', 'state'], rows);
  });
}
