// The dashboard lists each bot's open orders (side, price, size, filled, age), not only counts:
// a supervisor with two bot-process doubles reports statuses, the page renders them in a real
// headless Chromium and follows the next report live; a screenshot is kept in the temp dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/util/clock.js';
import { AuditLog } from '../../src/security/audit-log.js';
import { parseOpsConfig } from '../../src/ops/config.js';
import { OpsServer } from '../../src/ops/http.js';
import { Supervisor, type BotProcess } from '../../src/ops/supervisor.js';
import type { FromChild, ToChild } from '../../src/ops/ipc.js';
import type { BotStatus, OpenOrderView } from '../../src/bots/runner.js';
import { launchChromium } from '../helpers/browser.js';

class FakeChild extends EventEmitter implements BotProcess {
  constructor(readonly id: string) {
    super();
  }
  send(m: ToChild): boolean {
    if (m.t === 'stop') queueMicrotask(() => this.emit('exit', 0, null));
    return true;
  }
  kill(): boolean {
    return true;
  }
  say(m: FromChild): void {
    this.emit('message', m);
  }
}

const T0 = Date.UTC(2026, 0, 1, 12);

function status(botId: string, instId: string, orders: OpenOrderView[]): BotStatus {
  return {
    botId,
    kind: 'grid',
    instId,
    quoteCcy: 'USDT',
    price: '100000',
    bidPx: '99999',
    askPx: '100001',
    openOrders: orders.length,
    openBuys: orders.filter((o) => o.side === 'buy').length,
    openSells: orders.filter((o) => o.side === 'sell').length,
    openOrderList: orders,
    ordersPlaced: orders.length,
    fills: 0,
    realisedPnl: '0',
    unrealisedPnl: '0',
    equity: '1000',
    startEquity: '1000',
    pnl: '0',
    equityChange: '0',
    riskHeadroom: 'no limits set',
    feesPaid: '0',
    feesByCcy: {},
    detail: '',
    startedMs: T0 - 600_000,
    now: T0,
    done: false,
    lastError: '',
    recentEvents: [],
  };
}

const order = (
  clOrdId: string,
  side: 'buy' | 'sell',
  px: string,
  sz: string,
  agoMs: number,
  filled = '0',
) => ({
  clOrdId,
  side,
  px,
  sz,
  filled,
  status: 'live',
  sinceMs: T0 - agoMs,
});

test("the dashboard shows each bot's open orders (side, px, sz, filled, age) and follows them live", async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'okxkit-dash-orders-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const clock = new ManualClock(T0);
  const auditPath = join(home, 'audit.jsonl');
  const children = new Map<string, FakeChild>();
  const sup = new Supervisor({
    config: parseOpsConfig(`
bots:
  - kind: grid
    config: { id: grid1, instId: BTC-USDT, lower: "90000", upper: "110000", levels: 5, sizePerLevel: "0.001" }
  - kind: trailing
    config: { id: trail1, instId: ETH-USDT, size: "0.01", trailPct: "3" }
`),
    venue: {
      baseUrl: 'http://127.0.0.1:1',
      demo: false,
      key: { apiKey: 'k', secretKey: 's', passphrase: 'p' },
      killScope: 'dash-test',
    },
    home,
    auditLog: new AuditLog(auditPath),
    auditPath,
    clock,
    log: () => undefined,
    spawn: (spec) => {
      const c = new FakeChild(spec.id);
      children.set(spec.id, c);
      return c;
    },
  });
  sup.startAll();
  const report = (id: string, s: BotStatus) =>
    children.get(id)!.say({
      t: 'report',
      status: s,
      metrics: [],
      health: { ws: {}, clockOffsetMs: 0, clockErrorMs: 1 },
    });
  for (const id of ['grid1', 'trail1']) children.get(id)!.say({ t: 'started' });
  report(
    'grid1',
    status('grid1', 'BTC-USDT', [
      order('grid100000001', 'buy', '95000', '0.001', 125_000),
      order('grid100000002', 'sell', '105000', '0.001', 4_000, '0.0004'),
    ]),
  );
  report('trail1', status('trail1', 'ETH-USDT', []));
  const server = new OpsServer({ supervisor: sup, host: '127.0.0.1', port: 0, auditPath, clock });
  const { url } = await server.listen();
  t.after(async () => {
    await server.close();
    await sup.stopAll();
  });

  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('#orders tr[data-clordid="grid100000001"]');
  const rows = async () =>
    page
      .locator('#orders tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
      );
  // Highest price first, like a book; the age is the report's time minus when it was sent.
  assert.deepEqual(await rows(), [
    ['grid1', 'sell', '105000', '0.001', '0.0004', '4 s'],
    ['', 'buy', '95000', '0.001', '0', '2 m 05 s'],
    ['trail1', 'no open orders'],
  ]);

  // The next report: the sell filled and left, a minute passed; the page follows without a reload.
  clock.advance(60_000);
  report('grid1', status('grid1', 'BTC-USDT', [order('grid100000001', 'buy', '95000', '0.001', 125_000)]));
  await page.waitForSelector('#orders tr[data-clordid="grid100000002"]', { state: 'detached' });
  assert.deepEqual((await rows()).slice(0, 1), [['grid1', 'buy', '95000', '0.001', '0', '3 m 05 s']]);
  // kept after the run (the rest of the test's temp dir is removed) for a person to look at
  const shot = join(mkdtempSync(join(tmpdir(), 'okxkit-dashboard-shot-')), 'dashboard-orders.png');
  await page.screenshot({ path: shot, fullPage: true });
  t.diagnostic(`screenshot: ${shot}`);
  assert.ok(readFileSync(shot).length > 10_000);
  assert.deepEqual(errors, []);
});
