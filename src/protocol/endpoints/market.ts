import { paged, per2s, sectionOf, type EndpointSpec } from './rules.js';

const { pub } = sectionOf('market');

/** Market data: tickers, books, candles (last, index and mark price), trades, volumes. */
export const MARKET = {
  'market.tickers': pub('market/tickers', per2s(20, 'ip')),
  'market.ticker': pub('market/ticker', per2s(20, 'ip')),
  'market.books': pub('market/books', per2s(40, 'ip')),
  'market.booksFull': pub('market/books-full', per2s(10, 'ip')),
  'market.candles': pub('market/candles', per2s(40, 'ip'), { paging: paged(0, 300) }),
  'market.historyCandles': pub('market/history-candles', per2s(20, 'ip'), { paging: paged(0, 300) }),
  'market.trades': pub('market/trades', per2s(100, 'ip')),
  'market.historyTrades': pub('market/history-trades', per2s(20, 'ip'), { paging: paged('tradeId') }),
  'market.optionFamilyTrades': pub('market/option/instrument-family-trades', per2s(20, 'ip')),
  'market.platform24Volume': pub('market/platform-24-volume', per2s(2, 'ip')),
  'market.callAuctionDetails': pub('market/call-auction-details', per2s(20, 'ip')),
  'market.indexTickers': pub('market/index-tickers', per2s(20, 'ip')),
  'market.indexCandles': pub('market/index-candles', per2s(20, 'ip'), { paging: paged(0) }),
  'market.historyIndexCandles': pub('market/history-index-candles', per2s(10, 'ip'), { paging: paged(0) }),
  'market.markPriceCandles': pub('market/mark-price-candles', per2s(20, 'ip'), { paging: paged(0) }),
  'market.historyMarkPriceCandles': pub('market/history-mark-price-candles', per2s(20, 'ip'), {
    paging: paged(0),
  }),
  'market.exchangeRate': pub('market/exchange-rate', per2s(1, 'ip')),
  'market.indexComponents': pub('market/index-components', per2s(20, 'ip')),
  'market.blockTickers': pub('market/block-tickers', per2s(20, 'ip')),
  'market.blockTicker': pub('market/block-ticker', per2s(20, 'ip')),
  'market.blockTrades': pub('public/block-trades', per2s(20, 'ip')),
} as const satisfies Record<string, EndpointSpec>;
