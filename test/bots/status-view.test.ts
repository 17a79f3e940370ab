import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BotStatus } from '../../src/bots/runner.js';
import { formatStatus, formatSummary, StatusView } from '../../src/bots/status-view.js';

const ESC = String.fromCharCode(27);

function status(over: Partial<BotStatus> = {}): BotStatus {
  return {
    botId: 'g1',
    kind: 'grid',
    instId: 'BTC-USDT',
    quoteCcy: 'USDT',
    price: '100000.1',
    bidPx: '100000',
    askPx: '100000.2',
    openOrders: 10,
    openBuys: 5,
    openSells: 5,
    ordersPlaced: 12,
    fills: 2,
    realisedPnl: '0.04016',
    unrealisedPnl: '-0.2',
    equity: '20000.123456',
    startEquity: '20000',
    pnl: '-0.15984',
    equityChange: '0.123456',
    riskHeadroom: 'open orders 10/20',
    feesPaid: '0.15984',
    feesByCcy: { BTC: '0.0000008', USDT: '0.08' },
    detail: '11 levels 99000.0..101000.0, 1 round trips',
    startedMs: 0,
    now: 65_000,
    done: false,
    lastError: '',
    recentEvents: [{ type: 'filled', ts: 60_000, text: 'sell 0.001 @ 100000.0' }],
    ...over,
  };
}

describe('status view', () => {
  test('the status names price, orders, PnL, equity and risk headroom', () => {
    const text = formatStatus(status()).join('\n');
    assert.match(text, /running 00:01:05/);
    assert.match(text, /price {4}100000\.1/);
    assert.match(text, /10 open \(5 buy \/ 5 sell\), 12 placed, 2 filled/);
    assert.match(text, /realised \+0\.0402 USDT, unrealised -0\.2000 USDT, total -0\.1598 USDT/);
    assert.match(text, /equity {3}20000\.1235 USDT \(\+0\.1235 since start\)/);
    assert.match(text, /risk {5}open orders 10\/20/);
    assert.match(text, /last {5}filled: sell 0\.001 @ 100000\.0/);
  });

  test('on a terminal it redraws in place', () => {
    let out = '';
    const view = new StatusView({ write: (s: string) => (out += s), isTTY: true });
    view.update(status());
    const lines = formatStatus(status()).length;
    assert.ok(!out.includes(`${ESC}[${lines}F`), 'the first drawing moves nothing');
    out = '';
    view.update(status({ fills: 3 }));
    assert.ok(out.startsWith(`${ESC}[${lines}F${ESC}[J`), 'back up over the previous drawing, then clear');
    assert.match(out, /3 filled/);
  });

  test('without a terminal it prints a plain line every lineEveryMs', () => {
    let out = '';
    const view = new StatusView({ write: (s: string) => (out += s), isTTY: false }, { lineEveryMs: 10_000 });
    view.update(status({ now: 1_000 }));
    view.update(status({ now: 5_000 }));
    view.update(status({ now: 11_000 }));
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.ok(!out.includes(ESC));
    assert.match(
      lines[0]!,
      /^\[00:00:01\] BTC-USDT 100000\.1 \| open 10 \| placed 12 \| fills 2 \| realised \+0\.0402/,
    );
  });

  test('the summary lists orders, fills, realised profit, PnL and equity', () => {
    const text = formatSummary({ ...status(), runtimeMs: 60_000, canceledOnExit: 10, openOrders: 0 });
    assert.match(text, /ran 00:01:00/);
    assert.match(text, /orders placed {6}12/);
    assert.match(text, /fills {14}2/);
    assert.match(text, /open orders {8}0 \(10 canceled on exit\)/);
    assert.match(text, /realised profit {4}\+0\.0402 USDT/);
    assert.match(text, /bot PnL {12}-0\.1598 USDT/);
    assert.match(text, /fees paid {10}0\.1598 USDT \(0\.0000008 BTC \+ 0\.08 USDT\)/);
    assert.match(text, /equity {13}20000\.1235 USDT/);
  });
});
