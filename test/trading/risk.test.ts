import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/util/clock.js';
import { RiskManager, type RiskLimits } from '../../src/trading/risk.js';
import { KillSwitch } from '../../src/trading/kill-switch.js';
import { Alerts } from '../../src/trading/alerts.js';
import { OrderGuard } from '../../src/trading/order-guard.js';
import { GuardRejection } from '../../src/trading/errors.js';
import type { TradingAuditEntry } from '../../src/trading/audit.js';
import type { Fill } from '../../src/trading/exchange-port.js';
import { FakeExchange } from './fake-exchange.js';

function setup(t: { after(fn: () => void): void }, limits: RiskLimits) {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-risk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(Date.UTC(2026, 10, 21, 10));
  const ex = new FakeExchange(clock);
  const killSwitch = new KillSwitch({ path: join(dir, 'kill.json'), clock });
  const audit: TradingAuditEntry[] = [];
  const alerts = new Alerts({ clock });
  const risk = new RiskManager({
    limits,
    clock,
    killSwitch,
    audit: { append: (e) => void audit.push(e) },
    alerts,
    exchange: ex,
  });
  const guard = new OrderGuard({ market: ex, risk, clock });
  return { dir, clock, ex, killSwitch, audit, alerts, risk, guard };
}

let tradeSeq = 0;
const fill = (side: 'buy' | 'sell', px: string, sz: string, instId = 'BTC-USDT', fee = '0'): Fill => ({
  tradeId: String(++tradeSeq),
  ordId: '1',
  clOrdId: '',
  instId,
  side,
  fillPx: px,
  fillSz: sz,
  fee,
  feeCcy: 'USDT',
  execType: 'T',
  ts: 0,
});

async function withOpenOrders(s: ReturnType<typeof setup>, n: number) {
  for (let i = 0; i < n; i++)
    await s.ex.placeOrder({
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: String(30000 + i),
      sz: '0.001',
    });
}

/** A trip: halted (guard refuses), open orders cancelled, kill switch persisted, audited, alerted. */
async function assertTripped(s: ReturnType<typeof setup>, rule: string, openBefore: number) {
  assert.match(s.risk.haltReason() ?? '', new RegExp(rule));
  await assert.rejects(
    s.guard.check({ instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '30000', sz: '0.001' }),
    (e: unknown) => e instanceof GuardRejection && e.rule === 'halted',
  );
  assert.equal((await s.ex.openOrders()).length, 0);
  assert.equal(s.ex.cancelled.length, openBefore);
  assert.equal(s.killSwitch.state().halted, true);
  assert.equal(s.killSwitch.state().rule, rule);
  const a = s.audit.find((x) => x.action === 'risk.tripped');
  assert.ok(a, 'audited');
  assert.equal(a.details.rule, rule);
  assert.equal(a.details.cancelled, openBefore);
  assert.match(a.why, new RegExp(rule));
  const al = s.alerts.history.find((x) => x.kind === 'risk-trip');
  assert.ok(al, 'alerted');
  assert.equal(al.severity, 'critical');
  assert.equal(s.risk.trips.length, 1);
}

describe('RiskManager', () => {
  test('daily loss (realised + unrealised) trips', async (t) => {
    const s = setup(t, { maxDailyLoss: '100' });
    await withOpenOrders(s, 3);
    await s.risk.onFill(fill('buy', '50000', '0.1')); // 5000 USDT of BTC
    await s.risk.onMark('BTC-USDT', '49500'); // -50 unrealised
    await s.risk.onFill(fill('sell', '49500', '0.05', 'BTC-USDT', '-2')); // realise -25, fee -2
    assert.equal(s.risk.snapshot().dailyPnl, '-52');
    assert.equal(s.risk.haltReason(), undefined);
    const trip = await s.risk.onMark('BTC-USDT', '48900'); // unrealised on 0.05: -55 more -> -82... then -27 more
    assert.equal(trip, undefined);
    const trip2 = await s.risk.onMark('BTC-USDT', '48500');
    assert.ok(trip2);
    assert.equal(trip2.rule, 'maxDailyLoss');
    assert.equal(trip2.numbers.dailyPnl, '-102');
    await assertTripped(s, 'maxDailyLoss', 3);
  });

  test('the daily loss counts from the start of the UTC day', async (t) => {
    const s = setup(t, { maxDailyLoss: '100' });
    await s.risk.onFill(fill('buy', '50000', '0.1'));
    await s.risk.onMark('BTC-USDT', '49100'); // -90 today
    s.clock.set(Date.UTC(2026, 10, 22, 0, 0, 1));
    await s.risk.onMark('BTC-USDT', '49000'); // new day: -10 today, -100 in all
    assert.equal(s.risk.snapshot().dailyPnl, '0');
    assert.equal(await s.risk.onMark('BTC-USDT', '48500'), undefined); // -60 today
    assert.equal(s.risk.haltReason(), undefined);
  });

  test('drawdown from peak equity trips (absolute and percent)', async (t) => {
    const s = setup(t, { maxDrawdown: '300', startingEquity: '10000' });
    await withOpenOrders(s, 2);
    await s.risk.onFill(fill('buy', '50000', '0.1'));
    await s.risk.onMark('BTC-USDT', '54000'); // +400, peak 10400
    assert.equal(s.risk.snapshot().peakEquity, '10400');
    assert.equal(await s.risk.onMark('BTC-USDT', '51100'), undefined); // equity 10110, dd 290
    const trip = await s.risk.onMark('BTC-USDT', '50900'); // dd 310
    assert.equal(trip?.rule, 'maxDrawdown');
    assert.equal(trip?.numbers.drawdown, '310');
    await assertTripped(s, 'maxDrawdown', 2);

    const p = setup(t, { maxDrawdownPct: '2', startingEquity: '10000' });
    await p.risk.onFill(fill('buy', '50000', '0.1'));
    const pt = await p.risk.onMark('BTC-USDT', '47900'); // -210 = 2.1%
    assert.equal(pt?.rule, 'maxDrawdownPct');
  });

  test('max open orders: refused pre-trade, and trips when exceeded', async (t) => {
    const s = setup(t, { maxOpenOrders: 2 });
    await withOpenOrders(s, 2);
    await s.risk.setOpenOrders(await s.ex.openOrders());
    await assert.rejects(
      s.guard.check({ instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '30000', sz: '0.001' }),
      (e: unknown) =>
        e instanceof GuardRejection && e.rule === 'maxOpenOrders' && e.numbers.maxOpenOrders === '2',
    );
    // An order placed outside this process pushes it over: trip.
    await withOpenOrders(s, 1);
    const trip = await s.risk.setOpenOrders(await s.ex.openOrders());
    assert.equal(trip?.rule, 'maxOpenOrders');
    await assertTripped(s, 'maxOpenOrders', 3);
  });

  test('max position per instrument: refused pre-trade, and trips when exceeded', async (t) => {
    const s = setup(t, { maxPosition: { 'BTC-USDT': '0.5' } });
    await withOpenOrders(s, 1);
    await s.risk.onFill(fill('buy', '50000', '0.4'));
    await assert.rejects(
      s.guard.check({ instId: 'BTC-USDT', side: 'buy', ordType: 'limit', px: '50000', sz: '0.2' }),
      (e: unknown) =>
        e instanceof GuardRejection && e.rule === 'maxPosition' && e.numbers.positionIfFilled === '0.6',
    );
    // Reducing the position is always allowed.
    await s.guard.check({ instId: 'BTC-USDT', side: 'sell', ordType: 'limit', px: '50000', sz: '0.4' });
    const trip = await s.risk.onFill(fill('buy', '50000', '0.2'));
    assert.equal(trip?.rule, 'maxPosition');
    await assertTripped(s, 'maxPosition', 1);
  });

  test('fills replayed after a reconnect are counted once', async (t) => {
    const s = setup(t, {});
    const f = fill('buy', '100', '1');
    await s.risk.onFill(f);
    await s.risk.onFill(f);
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], '1');
  });

  test('a trip persists across a restart until resumed, and resume is audited', async (t) => {
    const s = setup(t, { maxDailyLoss: '10' });
    await s.risk.onFill(fill('buy', '100', '1'));
    await s.risk.onMark('BTC-USDT', '80');
    assert.ok(s.risk.haltReason());
    const again = new RiskManager({ limits: {}, killSwitch: new KillSwitch({ path: s.killSwitch.path }) });
    assert.match(again.haltReason() ?? '', /maxDailyLoss/);
    await s.risk.resume('loss understood, limits reviewed', 'alice');
    assert.equal(s.risk.haltReason(), undefined);
    assert.equal(again.haltReason(), undefined);
    assert.ok(s.audit.some((a) => a.action === 'killswitch.released' && a.operator === 'alice'));
  });

  test('a kill switch engaged by another process halts, cancels and alerts here', async (t) => {
    const s = setup(t, {});
    await withOpenOrders(s, 2);
    assert.equal(await s.risk.pollKillSwitch(), undefined);
    new KillSwitch({ path: s.killSwitch.path }).engage({ why: 'exchange incident', by: 'bob' });
    const trip = await s.risk.pollKillSwitch();
    assert.equal(trip?.rule, 'killSwitch');
    assert.equal((await s.ex.openOrders()).length, 0);
    assert.ok(s.alerts.history.some((a) => a.kind === 'kill-switch'));
    assert.ok(s.audit.some((a) => a.action === 'killswitch.observed'));
    assert.equal(await s.risk.pollKillSwitch(), undefined, 'acts once per engagement');
  });

  test('an unreadable kill switch file counts as engaged', (t) => {
    const s = setup(t, {});
    new KillSwitch({ path: s.killSwitch.path }).engage({ why: 'x', by: 'y' });
    // Truncated by hand.
    writeFileSync(s.killSwitch.path, '{"halt');
    assert.match(new KillSwitch({ path: s.killSwitch.path }).state().why, /unreadable/);
    assert.equal(new KillSwitch({ path: s.killSwitch.path }).isEngaged(), true);
  });
});
