import type { BacktestInstrument } from '../../src/backtest/exchange.js';
import type { BotAction, Strategy } from '../../src/bots/types.js';
import type { OrderIntent } from '../../src/trading/exchange-port.js';

/** BTC-USDT with round rules for hand-computed cases. */
export const SPOT: BacktestInstrument = {
  instId: 'BTC-USDT',
  instType: 'SPOT',
  baseCcy: 'BTC',
  quoteCcy: 'USDT',
  tickSz: '0.1',
  lotSz: '0.0001',
  minSz: '0.0001',
  maxLmtSz: '',
  maxMktSz: '',
  state: 'live',
};

export const SWAP: BacktestInstrument = {
  ...SPOT,
  instId: 'BTC-USDT-SWAP',
  instType: 'SWAP',
  lotSz: '1',
  minSz: '1',
  ctVal: '0.01',
  settleCcy: 'USDT',
};

export const T0 = Date.UTC(2025, 0, 1);
export const MIN = 60_000;

/** A strategy that places the given orders at its start and then only watches. */
export function scripted(instId: string, intents: Omit<OrderIntent, 'clOrdId' | 'instId'>[]): Strategy {
  return {
    kind: 'dca',
    instId,
    validate() {},
    init() {
      const actions: BotAction[] = intents.map((i) => ({
        kind: 'place',
        intent: { instId, ...i },
        meta: {},
      }));
      return { state: {}, actions };
    },
    onTicker: () => [],
    onOrderDone: () => [],
    onRejected: () => [],
    metrics: () => ({ realisedPnl: '0', unrealisedPnl: '0', detail: '' }),
    isDone: () => false,
  };
}
