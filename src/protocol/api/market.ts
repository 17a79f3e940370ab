import { z } from 'zod';
import type { MARKET } from '../endpoints/market.js';
import { booksSchema, candleRowSchema, tickerSchema, tradeSchema } from '../schemas/market.js';
import { anyRow, candle, instType, none, o, pageFields, q, req, row, s, spec } from './spec.js';
import type { ApiSpec } from './spec.js';

const candlesReq = q({ instId: req.str, bar: req.opt, ...pageFields });
export const indexTickerSchema = row({
  instId: s,
  idxPx: s,
  high24h: o,
  low24h: o,
  open24h: o,
  sodUtc0: o,
  sodUtc8: o,
  ts: s,
});

export const MARKET_API = {
  'market.tickers': spec(q({ instType: instType, instFamily: req.opt }), tickerSchema),
  'market.ticker': spec(q({ instId: req.instId }), tickerSchema),
  'market.books': spec(q({ instId: req.instId, sz: req.num }), booksSchema),
  'market.booksFull': spec(q({ instId: req.instId, sz: req.num }), booksSchema),
  'market.candles': spec(candlesReq, candleRowSchema),
  'market.historyCandles': spec(candlesReq, candleRowSchema),
  'market.trades': spec(q({ instId: req.instId, limit: req.num }), tradeSchema),
  'market.historyTrades': spec(
    q({ instId: req.instId, type: z.enum(['1', '2']).optional(), ...pageFields }),
    tradeSchema,
  ),
  'market.optionFamilyTrades': spec(
    q({ instFamily: req.str }),
    row({ vol24h: o, optType: o, tradeInfo: z.array(anyRow).optional() }),
  ),
  'market.platform24Volume': spec(none, row({ volUsd: s, volCny: o, ts: o })),
  'market.callAuctionDetails': spec(q({ instId: req.instId }), anyRow),
  'market.indexTickers': spec(q({ quoteCcy: req.opt, instId: req.opt }), indexTickerSchema),
  'market.indexCandles': spec(candlesReq, candle),
  'market.historyIndexCandles': spec(candlesReq, candle),
  'market.markPriceCandles': spec(candlesReq, candle),
  'market.historyMarkPriceCandles': spec(candlesReq, candle),
  'market.exchangeRate': spec(none, row({ usdCny: s })),
  'market.indexComponents': spec(
    q({ index: req.str }),
    row({ index: s, last: o, components: z.array(anyRow).optional(), ts: o }),
  ),
  'market.blockTickers': spec(q({ instType, instFamily: req.opt }), anyRow),
  'market.blockTicker': spec(q({ instId: req.instId }), anyRow),
  'market.blockTrades': spec(q({ instId: req.instId }), anyRow),
} as const satisfies Record<keyof typeof MARKET, ApiSpec>;
