export { SimMarket, STEP_MS, type SimMarketOptions } from './market.js';
export {
  DEFAULT_MARKET_INSTRUMENTS,
  defaultDerivativeInstruments,
  HISTORY_DAYS,
  type MarketInstrumentConfig,
} from './instruments.js';
export { ALL_BARS, CANDLE_BARS, barStart, isBar, nextBarStart, prevBarStart } from './bars.js';
export { tradePayload } from './trade-payload.js';
export { generateBookMessages, type BookMessagesOptions } from './bench-input.js';
