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
import type { Fill, Order, Ticker } from '../../src/trading/exchange-port.js';
import { ValidationError } from '../../src/util/errors.js';
import { Decimal } from 'decimal.js';
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

/** A fill with everything explicit (tradeId, order, fee and its currency). */
const fx = (
  instId: string,
  tradeId: string,
  side: 'buy' | 'sell',
  px: string,
  sz: string,
  fee = '0',
  feeCcy = '',
  ordId = `o${tradeId}`,
): Fill => ({
  tradeId,
  ordId,
  clOrdId: '',
  instId,
  side,
  fillPx: px,
  fillSz: sz,
  fee,
  feeCcy,
  execType: 'M',
  ts: 0,
});

/** An order view as OKX reports it: cumulative accFillSz, avgPx and fee. */
const view = (
  state: Order['state'],
  accFillSz: string,
  avgPx: string,
  fee: string,
  feeCcy: string,
  side: 'buy' | 'sell' = 'buy',
): Order => ({
  ordId: '777',
  clOrdId: 'g1x1',
  instId: 'BTC-USDT',
  side,
  ordType: 'limit',
  px: '103',
  sz: '1',
  accFillSz,
  avgPx,
  state,
  fee,
  feeCcy,
  tag: '',
  cTime: 0,
  uTime: 0,
});

const d = (v: string) => new Decimal(v);

describe('RiskManager: money across quote currencies', () => {
  test('ETH-BTC and BTC-USDT: each PnL in its quote currency, converted to USDT (hand-computed)', async (t) => {
    const s = setup(t, {});
    // BTC-USDT: buy 0.1 @ 60000, fee 0.0001 BTC (base)  -> pos 0.0999 BTC, cash -6000 USDT
    await s.risk.onFill(fx('BTC-USDT', '1', 'buy', '60000', '0.1', '-0.0001', 'BTC'));
    // ETH-BTC: buy 2 @ 0.05, fee 0.002 ETH (base)        -> pos 1.998 ETH, cash -0.1 BTC
    await s.risk.onFill(fx('ETH-BTC', '1', 'buy', '0.05', '2', '-0.002', 'ETH'));
    // ETH-BTC: sell 1 @ 0.052, fee 0.000052 BTC (quote)  -> pos 0.998 ETH, cash -0.048052 BTC
    await s.risk.onFill(fx('ETH-BTC', '2', 'sell', '0.052', '1', '-0.000052', 'BTC'));
    await s.risk.onMark('ETH-BTC', '0.051');
    await s.risk.onMark('BTC-USDT', '61000');
    const snap = s.risk.snapshot();
    // ETH-BTC:  -0.048052 + 0.998 * 0.051 = 0.002846 BTC = 173.606 USDT at 61000
    // BTC-USDT: -6000 + 0.0999 * 61000    = 93.9 USDT
    assert.deepEqual(snap.pnlByCcy, { USDT: '93.9', BTC: '0.002846' });
    assert.equal(snap.pnl, '267.506');
    assert.equal(snap.ccy, 'USDT');
    assert.deepEqual(snap.unconverted, []);
    assert.deepEqual(snap.positions, { 'BTC-USDT': '0.0999', 'ETH-BTC': '0.998' });
    // The old single sum (BTC amounts added to USDT amounts) would have said 93.902846.
    assert.notEqual(snap.pnl, '93.902846');
  });

  test('a reporting currency converts by the inverse pair when that is the one priced', async (t) => {
    const s = setup(t, { ccy: 'BTC', startingEquity: '1' });
    await s.risk.onFill(fx('ETH-USDT', '1', 'buy', '3000', '1', '-3', 'USDT'));
    await s.risk.onMark('ETH-USDT', '3103');
    await s.risk.onMark('BTC-USDT', '50000'); // no USDT-BTC: 1 USDT = 1/50000 BTC
    // (-3000 - 3 + 3103) USDT = 100 USDT = 0.002 BTC
    assert.equal(s.risk.snapshot().pnl, '0.002');
    assert.equal(s.risk.snapshot().equity, '1.002');
  });

  test('fees count in the currency OKX charges them: base, quote, or a third one', async (t) => {
    const s = setup(t, {});
    await s.risk.onFill(fx('SOL-USDT', '1', 'buy', '100', '10', '-0.01', 'SOL')); // base
    await s.risk.onFill(fx('SOL-USDT', '2', 'sell', '100', '4', '-0.4', 'USDT')); // quote
    await s.risk.onFill(fx('SOL-USDT', '3', 'buy', '100', '1', '0.05', 'SOL')); // a maker rebate (positive)
    await s.risk.onMark('SOL-USDT', '100');
    let snap = s.risk.snapshot();
    assert.equal(snap.positions['SOL-USDT'], '7.04'); // 10 - 0.01 - 4 + 1 + 0.05
    // At an unchanged price the fees are the PnL: -0.01 SOL (-1) - 0.4 USDT + 0.05 SOL (+5).
    assert.equal(snap.pnl, '3.6');
    // A fee in a currency outside the pair waits for its own mark.
    await s.risk.onFill(fx('SOL-USDT', '4', 'buy', '100', '1', '-0.02', 'OKB'));
    snap = s.risk.snapshot();
    assert.deepEqual(snap.unconverted, ['OKB']);
    assert.equal(snap.pnl, undefined);
    await s.risk.onMark('OKB-USDT', '50');
    assert.equal(s.risk.snapshot().pnl, '2.6'); // 3.6 - 0.02 * 50
  });

  test('unconverted PnL: no total, no loss-limit decision on the known part, no new exposure', async (t) => {
    const s = setup(t, { maxDailyLoss: '50' });
    await s.risk.onFill(fx('SOL-USDT', '1', 'buy', '150', '10'));
    await s.risk.onFill(fx('ETH-BTC', '2', 'buy', '0.05', '1'));
    await s.risk.onMark('ETH-BTC', '0.06'); // +0.01 BTC, no BTC price yet
    // -100 USDT on SOL alone is beyond the limit: a partial total would trip here.
    const trip = await s.risk.onMark('SOL-USDT', '140');
    assert.equal(trip, undefined);
    assert.equal(s.risk.haltReason(), undefined);
    const snap = s.risk.snapshot();
    assert.deepEqual(snap.unconverted, ['BTC']);
    assert.deepEqual(snap.pnlByCcy, { USDT: '-100', BTC: '0.01' });
    assert.equal(snap.pnl, undefined);
    assert.equal(snap.dailyPnl, undefined);
    assert.equal(snap.equity, undefined);
    // Adding exposure anywhere is refused while the loss limit is blind; reducing it is not.
    assert.throws(
      () => s.risk.preTrade({ instId: 'SOL-USDT', side: 'buy', baseSz: d('1'), notional: d('140') }),
      (e: unknown) =>
        e instanceof GuardRejection && e.rule === 'unconvertedPnl' && /BTC into USDT/.test(e.message),
    );
    s.risk.preTrade({ instId: 'SOL-USDT', side: 'sell', baseSz: d('5'), notional: d('700') });
    const warned = s.alerts.history.filter((a) => a.kind === 'risk-unconverted');
    assert.equal(warned.length, 1);
    assert.match(warned[0]!.message, /BTC-USDT/);
    // The BTC price arrives: the whole total is +500 USDT, nothing trips, orders pass again.
    assert.equal(await s.risk.onMark('BTC-USDT', '60000'), undefined);
    assert.equal(s.risk.snapshot().dailyPnl, '500'); // -100 + 0.01 * 60000
    s.risk.preTrade({ instId: 'SOL-USDT', side: 'buy', baseSz: d('1'), notional: d('140') });
  });

  test('a loss hidden while unconverted trips once the conversion mark arrives', async (t) => {
    const s = setup(t, { maxDailyLoss: '50' });
    await withOpenOrders(s, 1);
    await s.risk.onFill(fx('ETH-BTC', '1', 'buy', '0.05', '1'));
    assert.equal(await s.risk.onMark('ETH-BTC', '0.04'), undefined); // -0.01 BTC, unknown in USDT
    const trip = await s.risk.onMark('BTC-USDT', '60000'); // -600 USDT
    assert.equal(trip?.rule, 'maxDailyLoss');
    assert.equal(trip?.numbers.dailyPnl, '-600');
    assert.match(trip?.message ?? '', /600 USDT lost today, limit 50 USDT/);
    await assertTripped(s, 'maxDailyLoss', 1);
  });

  test('without a loss limit, unconverted PnL blocks nothing', async (t) => {
    const s = setup(t, { maxPosition: '10' });
    await s.risk.onFill(fx('ETH-BTC', '1', 'buy', '0.05', '1', '-0.001', 'ETH')); // -0.00005 BTC
    assert.deepEqual(s.risk.snapshot().unconverted, ['BTC']);
    s.risk.preTrade({ instId: 'ETH-BTC', side: 'buy', baseSz: d('1'), notional: d('0.05') });
    assert.equal(s.alerts.history.length, 0);
  });

  test('followMarks subscribes the conversion pair, or its inverse, and reports one it cannot find', async () => {
    const listed = new Set(['BTC-USDT', 'ETH-BTC', 'ETH-USDT']);
    const handlers = new Map<string, (t: Ticker) => void>();
    const exchange = {
      instrument: async (instId: string) => {
        if (!listed.has(instId)) throw new Error(`instrument ${instId} does not exist`);
        return INSTRUMENT;
      },
      onTicker: (instId: string, h: (t: Ticker) => void) => {
        handlers.set(instId, h);
        return () => handlers.delete(instId);
      },
    };
    const settle = () => new Promise((r) => setImmediate(r));
    const usdt = new RiskManager({ limits: {} });
    const errors: unknown[] = [];
    const stop = usdt.followMarks(exchange, { onError: (e) => errors.push(e) });
    await usdt.onFill(fx('ETH-BTC', '1', 'buy', '0.05', '1'));
    await settle();
    assert.deepEqual([...handlers.keys()], ['BTC-USDT']);
    handlers.get('BTC-USDT')!({ instId: 'BTC-USDT', last: '60000', bidPx: '', askPx: '', ts: 0 });
    await settle();
    assert.equal(usdt.snapshot().pnl, '0');
    stop();
    assert.equal(handlers.size, 0);

    const btc = new RiskManager({ limits: { ccy: 'BTC' } });
    btc.followMarks(exchange, { onError: (e) => errors.push(e) });
    btc.preTrade({ instId: 'ETH-USDT', side: 'buy', baseSz: d('1'), notional: d('3000') });
    await btc.onFill(fx('ETH-USDT', '1', 'buy', '3000', '1', '-0.1', 'XYZ'));
    await settle();
    assert.ok(handlers.has('BTC-USDT'), 'USDT-BTC is not listed: the inverse BTC-USDT is followed');
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof ValidationError);
    assert.match(String(errors[0]), /cannot convert XYZ into BTC: neither XYZ-BTC nor BTC-XYZ/);
  });
});

const INSTRUMENT = {
  instId: 'X-Y',
  instType: 'SPOT',
  baseCcy: 'X',
  quoteCcy: 'Y',
  tickSz: '0.1',
  lotSz: '0.1',
  minSz: '0.1',
  maxLmtSz: '',
  maxMktSz: '',
  state: 'live',
};

describe('RiskManager: each fill counted once', () => {
  test('a duplicate fill (same tradeId) is ignored; a new tradeId of the same order counts', async (t) => {
    const s = setup(t, {});
    const a = fx('BTC-USDT', '9001', 'buy', '100', '0.3', '-0.0003', 'BTC', 'A');
    await s.risk.onFill(a);
    await s.risk.onFill({ ...a }); // replayed after a reconnect, or by a REST poll and a push
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], '0.2997');
    await s.risk.onFill(fx('BTC-USDT', '9002', 'buy', '110', '0.2', '-0.0002', 'BTC', 'A'));
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], '0.4995');
    assert.deepEqual(s.risk.snapshot().pnlByCcy, { USDT: '-2.05' }); // marked at the first fill: -52 + 0.4995 * 100
  });

  test('an order view and the fills of the same order count once, whichever arrives first', async (t) => {
    const s = setup(t, {});
    const o = (accFillSz: string, avgPx: string, fee: string): Order => ({
      ...view('partially_filled', accFillSz, avgPx, fee, 'BTC'),
      ordId: 'A',
    });
    await s.risk.onFill(fx('BTC-USDT', 't1', 'buy', '100', '0.3', '0', 'BTC', 'A'));
    await s.risk.onFill(fx('BTC-USDT', 't2', 'buy', '110', '0.2', '0', 'BTC', 'A'));
    await s.risk.onOrder(o('0.5', '104', '0')); // the same 0.5 as the two fills
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], '0.5');
    await s.risk.onMark('BTC-USDT', '100');
    assert.equal(s.risk.snapshot().pnl, '-2'); // -(30 + 22) + 50
    await s.risk.onOrder(o('0.7', '106', '0')); // a third fill, seen first in the order view
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], '0.7');
    assert.equal(s.risk.snapshot().pnl, '-4.2'); // -74.2 + 70
    await s.risk.onFill(fx('BTC-USDT', 't3', 'buy', '111', '0.2', '0', 'BTC', 'A')); // ...then as a fill
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], '0.7');
    assert.equal(s.risk.snapshot().pnl, '-4.2');
  });

  test('partial fills count as they happen, with their fees; a stale view is ignored', async (t) => {
    const s = setup(t, { maxPosition: '0.45' });
    await withOpenOrders(s, 1);
    assert.equal(await s.risk.onOrder(view('live', '0', '', '0', '')), undefined);
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], undefined);
    await s.risk.onOrder(view('partially_filled', '0.2', '100', '-0.0002', 'BTC'));
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], '0.1998');
    assert.equal(s.risk.snapshot().openOrders, 1);
    // The order is still open when its partial fills take the position over the limit.
    const trip = await s.risk.onOrder(view('partially_filled', '0.5', '101', '-0.0005', 'BTC'));
    assert.equal(trip?.rule, 'maxPosition');
    assert.equal(trip?.numbers.position, '0.4995');
    await assertTripped(s, 'maxPosition', 1);
    await s.risk.onOrder(view('partially_filled', '0.2', '100', '-0.0002', 'BTC')); // late, older view
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], '0.4995');
    const done = view('filled', '1', '102', '-0.001', 'BTC');
    await s.risk.onOrder(done);
    await s.risk.onOrder(done); // the runner reports a finished order as an update and as a fill
    await s.risk.onMark('BTC-USDT', '102');
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], '0.999');
    assert.equal(s.risk.snapshot().pnl, '-0.102'); // -102 + 0.999 * 102: the fee
    assert.equal(s.risk.snapshot().openOrders, 0);
  });

  test('a sell order view: fee in the quote currency', async (t) => {
    const s = setup(t, {});
    await s.risk.onOrder(view('filled', '0.5', '200', '-0.1', 'USDT', 'sell'));
    await s.risk.onMark('BTC-USDT', '200');
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], '-0.5');
    assert.equal(s.risk.snapshot().pnl, '-0.1');
  });
});

describe('RiskManager: maxDrawdownPct', () => {
  test('trips on the percent fall from peak equity, with the numbers in the message', async (t) => {
    const s = setup(t, { maxDrawdownPct: '2', startingEquity: '10000' });
    await withOpenOrders(s, 2);
    await s.risk.onFill(fx('BTC-USDT', '1', 'buy', '50000', '0.1'));
    await s.risk.onMark('BTC-USDT', '52000'); // +200: peak 10200
    assert.equal(await s.risk.onMark('BTC-USDT', '50000'), undefined); // 200 / 10200 = 1.9608 %
    assert.equal(s.risk.snapshot().drawdownPct, '1.9608');
    const trip = await s.risk.onMark('BTC-USDT', '49900'); // 210 / 10200 = 2.0588 %
    assert.equal(trip?.rule, 'maxDrawdownPct');
    assert.deepEqual(trip?.numbers, {
      peakEquity: '10200',
      equity: '9990',
      drawdown: '210',
      drawdownPct: '2.0588',
      maxDrawdownPct: '2',
    });
    assert.equal(
      trip?.message,
      'drawdown from peak equity reached its limit: equity 9990 USDT is 2.0588% below its peak 10200 USDT, limit 2%',
    );
    assert.match(s.killSwitch.state().why, /2\.0588% below its peak 10200 USDT, limit 2%/);
    await assertTripped(s, 'maxDrawdownPct', 2);
  });

  test('is validated: a percentage above 0 and below 100, on a starting equity above 0', () => {
    const bad: Array<[RiskLimits, RegExp]> = [
      [{ maxDrawdownPct: '0', startingEquity: '100' }, /above 0 and below 100/],
      [{ maxDrawdownPct: '100', startingEquity: '100' }, /above 0 and below 100/],
      [{ maxDrawdownPct: '5%', startingEquity: '100' }, /not a non-negative decimal/],
      [{ maxDrawdownPct: '5' }, /needs startingEquity above 0/],
      [{ maxDrawdownPct: '5', startingEquity: '0' }, /needs startingEquity above 0/],
    ];
    for (const [limits, says] of bad) {
      assert.throws(
        () => new RiskManager({ limits }),
        (e: unknown) => e instanceof ValidationError && e.field === 'maxDrawdownPct' && says.test(e.message),
        JSON.stringify(limits),
      );
    }
    assert.throws(
      () => new RiskManager({ limits: { ccy: 'usdt' } }),
      (e: unknown) => e instanceof ValidationError && e.field === 'ccy',
    );
  });
});

describe('RiskManager: open orders never go backwards', () => {
  test('a late "live" update neither reopens a finished order nor rolls back a newer one', async (t) => {
    const s = setup(t, { maxOpenOrders: 5 });
    const at = (state: Order['state'], uTime: number, ordId = '777'): Order => ({
      ...view(state, '0', '', '0', 'BTC'),
      ordId,
      uTime,
    });
    await s.risk.onOrder(at('live', 1));
    assert.equal(s.risk.snapshot().openOrders, 1);
    await s.risk.onOrder(at('canceled', 3));
    assert.equal(s.risk.snapshot().openOrders, 0);
    await s.risk.onOrder(at('live', 2)); // a slow poll taken before the cancel
    assert.equal(s.risk.snapshot().openOrders, 0);
    // a newer partial fill view is not replaced by an older live view of the same order
    await s.risk.onOrder({ ...at('partially_filled', 5, '888'), accFillSz: '0.1', avgPx: '100' });
    await s.risk.onOrder(at('live', 4, '888'));
    assert.equal(s.risk.snapshot().openOrders, 1);
    assert.equal(s.risk.snapshot().positions['BTC-USDT'], '0.1');
  });
});
