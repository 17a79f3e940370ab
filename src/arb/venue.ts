import { join } from 'node:path';
import type { Credentials } from '../client/credentials.js';
import { OkxClient } from '../client/okx-client.js';
import { Executor } from '../trading/executor.js';
import type { ExchangePort } from '../trading/exchange-port.js';
import { OrderJournal } from '../trading/journal.js';
import { OkxExchange } from '../trading/okx-exchange.js';
import { OrderGuard, type GuardLimits } from '../trading/order-guard.js';
import { SafeExchange } from '../trading/safe-exchange.js';
import { systemClock, type Clock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import { OkxWsClient } from '../ws/client.js';
import type { LiveOrderBook } from '../ws/live-book.js';
import { BookBoard } from './books.js';
import { fetchTakerFees, type TakerFees } from './fees.js';

/** One OKX-compatible venue of an arbitrage: its books on the board, its fees, its safe port. */
export interface OkxVenue {
  name: string;
  client: OkxClient;
  ws: OkxWsClient;
  books: LiveOrderBook[];
  /** Taker fees from the account's tier (or the given rate when there are no credentials). */
  fees: TakerFees;
  /** Guard + journal + executor over OkxExchange; undefined without credentials (scan only). */
  port?: SafeExchange;
  exchange?: OkxExchange;
  journal?: OrderJournal;
  close(): Promise<void>;
}

export interface OpenVenueOptions {
  name: string;
  baseUrl: string;
  credentials?: Credentials;
  instIds: readonly string[];
  board: BookBoard;
  /** Taker fee to use when the venue cannot be asked (no credentials). */
  takerFee?: number;
  /** Folder for the order journal (`<dir>/<name>-journal.db`); needed to trade. */
  journalDir?: string;
  guardLimits?: GuardLimits;
  clock?: Clock;
  /** Levels a side kept on the board. Default 50. */
  depth?: number;
}

/**
 * Connects to an OKX-compatible venue (OKX, demo, or a local exchange): a live, verified order
 * book per instrument onto the board, the account's taker fees from the trade-fee endpoint, and
 * with credentials and a journal folder, the port every order goes through (guard, journal,
 * exactly-once clOrdIds).
 */
export async function openOkxVenue(o: OpenVenueOptions): Promise<OkxVenue> {
  const clock = o.clock ?? systemClock;
  const client = new OkxClient({
    baseUrl: o.baseUrl,
    ...(o.credentials ? { credentials: o.credentials } : {}),
    clock,
  });
  const ws = new OkxWsClient({
    baseUrl: o.baseUrl,
    ...(o.credentials ? { credentials: o.credentials } : {}),
    clock,
  });
  const books: LiveOrderBook[] = [];
  const closeAll = async () => {
    for (const b of books) b.close();
    await ws.close();
    await client.close();
  };
  try {
    let fees: TakerFees;
    if (o.credentials) fees = await fetchTakerFees(client);
    else if (o.takerFee !== undefined)
      fees = { spot: o.takerFee, swap: o.takerFee, level: '', source: 'given' };
    else
      throw new ValidationError(
        `venue ${o.name}`,
        'has no credentials to read its fee tier and no taker fee was given',
        'give the venue a key, or the taker fee (--taker-fee 0.001)',
      );
    for (const id of o.instIds) {
      const live = ws.orderBook(id, {
        fetchSnapshot: async (instId) => {
          const b = await client.market.books(instId, 400);
          return { bids: b.bids, asks: b.asks, ts: String(b.ts), seqId: Number(b.seqId) };
        },
      });
      books.push(live);
      o.board.attach(o.name, live, o.depth ?? 50);
    }
    await Promise.all(books.map((b) => b.ready));
    let port: SafeExchange | undefined;
    let exchange: OkxExchange | undefined;
    let journal: OrderJournal | undefined;
    if (o.credentials && o.journalDir) {
      exchange = new OkxExchange({ client, clock, streamOrders: false });
      journal = new OrderJournal(join(o.journalDir, `${o.name}-journal.db`), { clock });
      const executor = new Executor({ venue: exchange, journal });
      const guard = new OrderGuard({
        market: exchange,
        clock,
        ...(o.guardLimits ? { limits: o.guardLimits } : {}),
      });
      port = new SafeExchange({ inner: exchange, executor, guard });
    }
    return {
      name: o.name,
      client,
      ws,
      books,
      fees,
      ...(port ? { port } : {}),
      ...(exchange ? { exchange } : {}),
      ...(journal ? { journal } : {}),
      async close() {
        journal?.close();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The ports of venues that can trade, by name. */
export function portsOf(
  venues: readonly { name: string; port?: ExchangePort }[],
): Record<string, ExchangePort> {
  return Object.fromEntries(venues.filter((v) => v.port).map((v) => [v.name, v.port!]));
}
