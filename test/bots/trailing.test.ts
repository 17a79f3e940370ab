import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrailingState } from '../../src/bots/strategies/trailing.js';
import { ValidationError } from '../../src/util/errors.js';
import { PaperExchange } from '../helpers/paper-exchange.js';
import { makeRunner, openStore } from './helpers.js';

const cfg = { id: 't1', instId: 'BTC-USDT', size: '0.5', trailPct: '5' };

describe('trailing stop on the paper exchange', () => {
  const cases: {
    name: string;
    cfg: Record<string, unknown>;
    path: string[];
    sellAt: number | null;
    peak: string;
  }[] = [
    {
      name: 'follows the peak and sells 5% below it, not before',
      cfg,
      path: ['104000', '110000', '105000', '104600', '104500'],
      sellAt: 4,
      peak: '110000',
    },
    {
      name: 'a fall from the start price triggers too',
      cfg,
      path: ['99000', '95100', '95000'],
      sellAt: 2,
      peak: '100000',
    },
    {
      name: 'no sell while the price only rises',
      cfg,
      path: ['101000', '102000', '103000'],
      sellAt: null,
      peak: '103000',
    },
    {
      name: 'waits for the activation price before trailing',
      cfg: { ...cfg, activationPx: '105000' },
      path: ['94000', '104000', '106000', '101000', '100700'],
      sellAt: 4,
      peak: '106000',
    },
  ];
  for (const c of cases) {
    test(c.name, async (t) => {
      const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
      const r = makeRunner('trailing', c.cfg, ex, openStore(t));
      await r.start();
      for (let i = 0; i < c.path.length; i++) {
        ex.setPrice('BTC-USDT', c.path[i]!);
        await r.idle();
        const sold = i === c.sellAt || (c.sellAt !== null && i > c.sellAt);
        assert.equal(ex.placeCount, sold ? 1 : 0, `after ${c.path[i]}`);
      }
      const st = (r as unknown as { row: { state: TrailingState } }).row.state;
      assert.equal(st.peak, c.peak);
      if (c.sellAt !== null) {
        const o = ex.allOrders()[0]!;
        assert.deepEqual([o.side, o.ordType, o.sz, o.state], ['sell', 'market', '0.50000000', 'filled']);
        assert.equal(r.done, true);
        await r.finished;
      }
      await r.stop();
    });
  }

  test('realised PnL is measured from the start price, net of the fee', async (t) => {
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' }, takerFeeRate: '0.001' });
    const r = makeRunner('trailing', cfg, ex, openStore(t));
    await r.start();
    ex.setPrice('BTC-USDT', '120000');
    ex.setPrice('BTC-USDT', '114000');
    await r.idle();
    // 0.5 * 114000 * (1 - 0.001) - 0.5 * 100000
    assert.equal(r.status().realisedPnl, '6943');
    await r.stop();
  });

  test('an aggressive limit is priced below the bid by the slippage', async (t) => {
    const ex = new PaperExchange({ prices: { 'BTC-USDT': '100000' } });
    const r = makeRunner(
      'trailing',
      { ...cfg, orderType: 'limit', limitSlippagePct: '0.5' },
      ex,
      openStore(t),
    );
    await r.start();
    ex.setPrice('BTC-USDT', '95000', '94990', '95010');
    await r.idle();
    const o = ex.allOrders()[0]!;
    assert.deepEqual([o.ordType, o.px, o.state], ['limit', '94515.0', 'filled']);
    await r.stop();
  });

  test('refuses to guard more than the account holds', async (t) => {
    const ex = new PaperExchange({ balances: { BTC: '0.1', USDT: '0' } });
    const r = makeRunner('trailing', cfg, ex, openStore(t));
    await assert.rejects(
      r.start(),
      (e: unknown) =>
        e instanceof ValidationError && e.field === 'size' && /0\.1 is available/.test(e.message),
    );
  });
});
