import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { AlertRules, type AlertRuleThresholds } from '../../src/ops/alerts/rules.js';
import { watchStack } from '../../src/ops/alerts/watch.js';
import type { Fill } from '../../src/trading/exchange-port.js';
import type { RiskSnapshot } from '../../src/trading/risk.js';
import type { AlertInput } from '../../src/trading/alerts.js';
import { TestClock } from '../../src/util/clock.js';

function setup(thresholds: Partial<AlertRuleThresholds> = {}) {
  const clock = new TestClock(1_767_000_000_000);
  const got: AlertInput[] = [];
  const rules = new AlertRules({ alerts: { emit: (a) => got.push(a) }, clock, thresholds });
  const kinds = () => got.map((a) => a.kind);
  return { clock, got, rules, kinds };
}

const err = (code: string) => Object.assign(new Error(`okx ${code}`), { code });

describe('error-rate spike', () => {
  test('fires at the threshold within the window', () => {
    const { rules, kinds, clock } = setup({ errorRate: { threshold: 3, windowMs: 10_000 } });
    rules.observeRequestError(err('50001'));
    clock.advance(4_000);
    rules.observeRequestError(err('50001'));
    assert.deepEqual(kinds(), []);
    clock.advance(4_000);
    rules.observeRequestError(err('50001'), { endpoint: 'GET /api/v5/account/balance' });
    assert.deepEqual(kinds(), ['error-rate']);
  });
  test('does not fire when the errors are spread wider than the window', () => {
    const { rules, kinds, clock } = setup({ errorRate: { threshold: 3, windowMs: 10_000 } });
    for (let i = 0; i < 10; i++) {
      rules.observeRequestError(err('50001'));
      clock.advance(5_001);
    }
    assert.deepEqual(kinds(), []);
  });
});

describe('repeated 50011', () => {
  test('fires after N rate-limit refusals in the window', () => {
    const { rules, kinds } = setup({
      rateLimited: { threshold: 3, windowMs: 60_000 },
      errorRate: { threshold: 99, windowMs: 1 },
    });
    for (let i = 0; i < 3; i++) rules.observeRequestError(err('50011'));
    assert.deepEqual(kinds(), ['rate-limited']);
  });
  test('other codes do not count toward it', () => {
    const { rules, kinds } = setup({
      rateLimited: { threshold: 3, windowMs: 60_000 },
      errorRate: { threshold: 99, windowMs: 1 },
    });
    for (const c of ['50011', '50013', '50011', '51008']) rules.observeRequestError(err(c));
    assert.deepEqual(kinds(), []);
  });
});

describe('WebSocket down longer than N s', () => {
  test('fires once N s after the drop, and says when it is back', () => {
    const { rules, kinds, clock, got } = setup({ wsDownMs: 30_000 });
    rules.observeWs({ endpoint: '/ws/v5/private', state: 'down' });
    rules.observeWs({ endpoint: '/ws/v5/private', state: 'down' }); // another reconnect attempt
    clock.advance(29_999);
    assert.deepEqual(kinds(), []);
    clock.advance(1);
    assert.deepEqual(kinds(), ['ws-down']);
    assert.equal(got[0]!.severity, 'critical');
    clock.advance(60_000);
    rules.observeWs({ endpoint: '/ws/v5/private', state: 'up' });
    assert.deepEqual(kinds(), ['ws-down', 'ws-recovered']);
  });
  test('a drop shorter than N s raises nothing', () => {
    const { rules, kinds, clock } = setup({ wsDownMs: 30_000 });
    rules.observeWs({ endpoint: '/ws/v5/public', state: 'down' });
    clock.advance(10_000);
    rules.observeWs({ endpoint: '/ws/v5/public', state: 'up' });
    clock.advance(60_000);
    assert.deepEqual(kinds(), []);
    assert.equal(clock.pending, 0);
  });
  test('watchWs follows a WsClient-like emitter (reconnecting = down, open = up)', () => {
    const { rules, kinds, clock } = setup({ wsDownMs: 5_000 });
    const ws = new EventEmitter();
    rules.watchWs(ws);
    ws.emit('reconnecting', { endpoint: '/ws/v5/business' });
    clock.advance(5_000);
    ws.emit('open', { endpoint: '/ws/v5/business' });
    assert.deepEqual(kinds(), ['ws-down', 'ws-recovered']);
  });
});

describe('balance change with no matching fill or bill', () => {
  test('an unexplained change fires after the grace time', () => {
    const { rules, kinds, clock, got } = setup({ balanceGraceMs: 10_000 });
    rules.observeBalance({ ccy: 'USDT', total: '1000' });
    rules.observeBalance({ ccy: 'USDT', total: '900' });
    clock.advance(9_999);
    assert.deepEqual(kinds(), []);
    clock.advance(1);
    assert.deepEqual(kinds(), ['balance-unexplained']);
    assert.match(got[0]!.message, /USDT balance changed by -100 with no matching fill or bill/);
  });
  test('a fill in the currency, or bills adding up to the change, explain it', () => {
    const { rules, kinds, clock } = setup({ balanceGraceMs: 10_000 });
    rules.observeBalance({ ccy: 'USDT', total: '1000' });
    rules.observeBalance({ ccy: 'BTC', total: '1' });
    rules.observeBalance({ ccy: 'USDT', total: '900' });
    clock.advance(2_000);
    rules.observeFill({ instId: 'BTC-USDT', feeCcy: 'BTC' });
    rules.observeBalance({ ccy: 'BTC', total: '1.0015' });
    rules.observeBalance({ ccy: 'ETH', total: '5' });
    rules.observeBalance({ ccy: 'ETH', total: '4.5' });
    rules.observeBill({ ccy: 'ETH', balChg: '-0.3' });
    rules.observeBill({ ccy: 'ETH', balChg: '-0.2' });
    clock.advance(20_000);
    assert.deepEqual(kinds(), []);
  });
  test('bills that do not add up to the change do not explain it', () => {
    const { rules, kinds, clock } = setup({ balanceGraceMs: 10_000 });
    rules.observeBalance({ ccy: 'ETH', total: '5' });
    rules.observeBalance({ ccy: 'ETH', total: '4' });
    rules.observeBill({ ccy: 'ETH', balChg: '-0.5' });
    clock.advance(10_000);
    assert.deepEqual(kinds(), ['balance-unexplained']);
  });
});

describe('withdrawal detected', () => {
  test('a withdrawal watch alert becomes a critical alert', () => {
    const { rules, got } = setup();
    rules.observeWithdrawal({
      kind: 'withdrawal',
      severity: 'critical',
      message: 'withdrawal of 1 BTC detected',
    });
    assert.deepEqual(
      got.map((a) => [a.kind, a.severity]),
      [['withdrawal', 'critical']],
    );
  });
});

describe('risk limit at 80 % and breached', () => {
  test('warns at 80 %, critical at 100 %, once per level', () => {
    const { rules, got } = setup();
    rules.observeRisk({ limit: 'maxDailyLoss', used: 50, max: 100, scope: 'grid-1' });
    rules.observeRisk({ limit: 'maxDailyLoss', used: 80, max: 100, scope: 'grid-1' });
    rules.observeRisk({ limit: 'maxDailyLoss', used: 85, max: 100, scope: 'grid-1' });
    rules.observeRisk({ limit: 'maxDailyLoss', used: 100, max: 100, scope: 'grid-1' });
    rules.observeRisk({ limit: 'maxDailyLoss', used: 120, max: 100, scope: 'grid-1' });
    assert.deepEqual(
      got.map((a) => [a.kind, a.severity]),
      [
        ['risk-near-limit', 'warning'],
        ['risk-breached', 'critical'],
      ],
    );
    assert.match(got[0]!.message, /grid-1: risk limit maxDailyLoss at 80 %/);
  });
  test('below 80 % nothing; falling back re-arms the warning', () => {
    const { rules, kinds } = setup();
    rules.observeRisk({ limit: 'maxOpenOrders', used: 7, max: 10 });
    assert.deepEqual(kinds(), []);
    rules.observeRisk({ limit: 'maxOpenOrders', used: 8, max: 10 });
    rules.observeRisk({ limit: 'maxOpenOrders', used: 2, max: 10 });
    rules.observeRisk({ limit: 'maxOpenOrders', used: 9, max: 10 });
    assert.deepEqual(kinds(), ['risk-near-limit', 'risk-near-limit']);
  });
});

describe('kill switch', () => {
  test('engaging fires critical, releasing fires info; a repeat of the same state does not', () => {
    const { rules, got } = setup();
    rules.observeKillSwitch({ scope: 'okx:abcd', engaged: false });
    rules.observeKillSwitch({ scope: 'okx:abcd', engaged: true, reason: 'manual' });
    rules.observeKillSwitch({ scope: 'okx:abcd', engaged: true, reason: 'manual' });
    rules.observeKillSwitch({ scope: 'okx:abcd', engaged: false });
    assert.deepEqual(
      got.map((a) => [a.kind, a.severity]),
      [
        ['kill-switch', 'critical'],
        ['kill-switch', 'info'],
      ],
    );
  });
});

describe('clock drift', () => {
  test('beyond the bound fires once until it recovers', () => {
    const { rules, kinds } = setup({ clockDriftMs: 500 });
    rules.observeClock({ offsetMs: 200 });
    assert.deepEqual(kinds(), []);
    rules.observeClock({ offsetMs: -900, errorMs: 20 });
    rules.observeClock({ offsetMs: -950, errorMs: 20 });
    assert.deepEqual(kinds(), ['clock-drift']);
    rules.observeClock({ offsetMs: 10 });
    rules.observeClock({ offsetMs: 700 });
    assert.deepEqual(kinds(), ['clock-drift', 'clock-drift']);
  });
});

describe('key older than 90 days', () => {
  test('fires for 91 days, not for 90; from ageDays or createdAt', () => {
    const { rules, kinds, clock } = setup();
    rules.observeKeyAge({ profile: 'main', ageDays: 90 });
    assert.deepEqual(kinds(), []);
    rules.observeKeyAge({ profile: 'main', ageDays: 91 });
    const created = new Date(clock.now() - 120 * 86_400_000).toISOString();
    rules.observeKeyAge({ profile: 'old', createdAt: created });
    rules.observeKeyAge({ profile: 'new', createdAt: new Date(clock.now() - 86_400_000).toISOString() });
    assert.deepEqual(kinds(), ['key-age', 'key-age']);
  });
});

describe('bot crash loop', () => {
  test('three crashes within the window make a crash loop', () => {
    const { rules, kinds, clock } = setup({ crashLoop: { crashes: 3, windowMs: 600_000 } });
    rules.observeBotCrash({ bot: 'grid-1', code: 1 });
    clock.advance(60_000);
    rules.observeBotCrash({ bot: 'grid-1', code: 1 });
    clock.advance(60_000);
    rules.observeBotCrash({ bot: 'grid-1', signal: 'SIGKILL' });
    assert.deepEqual(kinds(), ['bot-crash', 'bot-crash', 'bot-crash', 'bot-crash-loop']);
  });
  test('crashes spread wider than the window, or of different bots, are not a loop', () => {
    const { rules, kinds, clock } = setup({ crashLoop: { crashes: 3, windowMs: 600_000 } });
    for (let i = 0; i < 4; i++) {
      rules.observeBotCrash({ bot: 'dca-1', code: 1 });
      clock.advance(300_001);
    }
    rules.observeBotCrash({ bot: 'a', code: 1 });
    rules.observeBotCrash({ bot: 'b', code: 1 });
    assert.ok(!kinds().includes('bot-crash-loop'));
  });
});

describe('close', () => {
  test('clears pending timers', () => {
    const { rules, clock, kinds } = setup();
    rules.observeWs({ endpoint: '/ws/v5/public', state: 'down' });
    rules.observeBalance({ ccy: 'USDT', total: '1' });
    rules.observeBalance({ ccy: 'USDT', total: '2' });
    assert.equal(clock.pending, 2);
    rules.close();
    assert.equal(clock.pending, 0);
    clock.advance(3_600_000);
    assert.deepEqual(kinds(), []);
  });
});

describe('watchStack: the rules fed from a running bot', () => {
  test('risk use, the kill switch and the clock offset are looked at on the clock; fills as they come', () => {
    const { rules, kinds, clock } = setup({ clockDriftMs: 1_000, balanceGraceMs: 5_000 });
    let dailyPnl = '-10';
    let halted = false;
    const offset = 50;
    let onFill: ((f: Fill) => void) | undefined;
    const stop = watchStack(
      rules,
      {
        scope: 'grid-1',
        risk: { snapshot: () => ({ dailyPnl, openOrders: 2 }) as unknown as RiskSnapshot },
        limits: { maxDailyLoss: '100', maxOpenOrders: 10 },
        killSwitch: { scope: 'okx:abcd', state: () => ({ halted, why: 'manual', by: 'ops', since: 0 }) },
        client: { clockOffsetMs: offset, clockErrorMs: 5 },
        exchange: {
          onFill: (fn) => {
            onFill = fn;
            return () => (onFill = undefined);
          },
        },
      },
      { clock, everyMs: 1_000 },
    );
    assert.deepEqual(kinds(), []);
    dailyPnl = '-85';
    halted = true;
    clock.advance(1_000);
    assert.deepEqual(kinds(), ['risk-near-limit', 'kill-switch']);
    // a fill explains the balance change of its currencies
    rules.observeBalance({ ccy: 'BTC', total: '1' });
    rules.observeBalance({ ccy: 'BTC', total: '1.1' });
    onFill!({ instId: 'BTC-USDT', feeCcy: 'BTC' } as Fill);
    clock.advance(10_000);
    assert.deepEqual(kinds(), ['risk-near-limit', 'kill-switch']);
    stop();
    assert.equal(onFill, undefined);
  });

  test('the client clock offset feeds the drift rule', () => {
    const { rules, kinds, clock } = setup({ clockDriftMs: 1_000 });
    const client = { clockOffsetMs: 10, clockErrorMs: Infinity };
    const stop = watchStack(rules, { client }, { clock, everyMs: 1_000 });
    client.clockOffsetMs = 5_000; // not measured yet (error bound infinite): ignored
    clock.advance(1_000);
    assert.deepEqual(kinds(), []);
    client.clockErrorMs = 20;
    clock.advance(1_000);
    assert.deepEqual(kinds(), ['clock-drift']);
    stop();
    assert.equal(clock.pending, 0);
  });
});
