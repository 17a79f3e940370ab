import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { Ticker } from '../trading/exchange-port.js';
import { OkxExchange, type OkxTradingClient } from '../trading/okx-exchange.js';
import { OrderJournal } from '../trading/journal.js';
import { Executor } from '../trading/executor.js';
import { OrderGuard, type GuardLimits } from '../trading/order-guard.js';
import { SafeExchange } from '../trading/safe-exchange.js';
import { RiskManager, type RiskLimits } from '../trading/risk.js';
import { DeadMansSwitch, type CancelAllAfterApi } from '../trading/dead-mans-switch.js';
import type { KillSwitch } from '../trading/kill-switch.js';
import type { RunnerHooks } from './runner.js';

/** What the trading stack needs of a client: OkxClient has this shape. */
export type BotClient = OkxTradingClient & { trade: CancelAllAfterApi; syncClock?(): Promise<unknown> };

export interface TradingStackOptions {
  client: BotClient;
  /** SQLite file of the order journal (the executor's exactly-once record). */
  journalPath: string;
  clock?: Clock;
  /** How often prices and order states are polled (ms). Default 1000. */
  pollMs?: number;
  risk?: RiskLimits;
  guard?: GuardLimits;
  killSwitch?: KillSwitch;
  /** How often the kill switch file is checked (ms). Default 1000. */
  killPollMs?: number;
  /** cancel-all-after: the exchange cancels the orders if the bot stops beating for timeOutSec; false = off. */
  deadMan?: { timeOutSec?: number; heartbeatMs?: number } | false;
  /** Runs before anything else: the key audit (refuses to trade with an unsafe key). */
  keyCheck?: () => Promise<unknown>;
  onPollError?: (err: unknown) => void;
}

export interface TradingStack {
  /** The Exchange port the bot trades through: guard, executor and risk in front of OkxExchange. */
  port: SafeExchange;
  exchange: OkxExchange;
  risk: RiskManager;
  deadMan: DeadMansSwitch | undefined;
  hooks: RunnerHooks;
  /** Disarms the dead-man's switch and closes the journal. */
  close(): Promise<void>;
}

/** One line for the status view: how far each risk limit is from tripping. */
export function riskHeadroom(risk: RiskManager, limits: RiskLimits): string {
  const s = risk.snapshot();
  if (s.halted) return `HALTED: ${s.halted}`;
  const parts: string[] = [];
  const c = s.ccy;
  const v = (x: string | undefined, unit: string) => (x === undefined ? 'unknown' : `${x}${unit}`);
  if (limits.maxDailyLoss)
    parts.push(`daily pnl ${v(s.dailyPnl, ` ${c}`)} (limit -${limits.maxDailyLoss} ${c})`);
  if (limits.maxDrawdown) parts.push(`drawdown ${v(s.drawdown, ` ${c}`)} (limit ${limits.maxDrawdown} ${c})`);
  if (limits.maxDrawdownPct)
    parts.push(`drawdown ${v(s.drawdownPct, '%')} (limit ${limits.maxDrawdownPct}%)`);
  if (s.unconverted.length)
    parts.push(`waiting for ${s.unconverted.map((u) => `${u}-${c}`).join(', ')} price`);
  if (limits.maxOpenOrders !== undefined) parts.push(`open orders ${s.openOrders}/${limits.maxOpenOrders}`);
  if (limits.maxPosition) parts.push(`positions ${JSON.stringify(s.positions)}`);
  return parts.length ? parts.join(', ') : 'no limits set';
}

/**
 * The live trading path a bot runs on, the same for OKX, demo trading and the local exchange:
 * key audit -> clock sync -> OkxExchange -> SafeExchange (order guard, journaled executor, risk
 * manager) -> dead-man's switch armed.
 */
export async function openTradingStack(opts: TradingStackOptions): Promise<TradingStack> {
  const clock = opts.clock ?? systemClock;
  if (opts.keyCheck) await opts.keyCheck();
  if (opts.client.syncClock) await opts.client.syncClock();
  const exchange = new OkxExchange({
    client: opts.client,
    clock,
    pollMs: opts.pollMs ?? 1000,
    ...(opts.onPollError ? { onPollError: opts.onPollError } : {}),
  });
  const limits = opts.risk ?? {};
  const risk = new RiskManager({
    limits,
    clock,
    exchange,
    ...(opts.killSwitch ? { killSwitch: opts.killSwitch } : {}),
  });
  mkdirSync(dirname(opts.journalPath), { recursive: true });
  const journal = new OrderJournal(opts.journalPath, { clock });
  const executor = new Executor({ venue: exchange, journal, cancel: (ref) => exchange.cancelOrder(ref) });
  const guard = new OrderGuard({
    market: exchange,
    risk,
    clock,
    ...(opts.guard ? { limits: opts.guard } : {}),
  });
  const port = new SafeExchange({ inner: exchange, executor, guard, risk });
  let deadMan: DeadMansSwitch | undefined;
  try {
    // Orders already open (a restart, other bots of the account) count against maxOpenOrders.
    await risk.setOpenOrders(await exchange.openOrders());
    if (opts.deadMan !== false) {
      deadMan = new DeadMansSwitch({ api: opts.client.trade, clock, ...(opts.deadMan ?? {}) });
      await deadMan.start();
    }
  } catch (err) {
    journal.close();
    throw err;
  }
  // `okxkit kill` in another process engages the persisted switch: notice it within a second.
  const killTimer = opts.killSwitch
    ? setInterval(() => void risk.pollKillSwitch(), opts.killPollMs ?? 1000)
    : undefined;
  killTimer?.unref();
  // Marks that convert a quote currency other than the reporting one (e.g. BTC-USDT for ETH-BTC).
  const stopMarks = risk.followMarks(exchange, {
    ...(opts.onPollError ? { onError: opts.onPollError } : {}),
  });
  const hooks: RunnerHooks = {
    onOrder: (o) => void risk.onOrder(o),
    // An order's cumulative fills and fee count once per order, partial fills included.
    onFill: (o) => void risk.onOrder(o),
    onTicker: (t: Ticker) => void risk.onMark(t.instId, t.last),
    riskHeadroom: () => riskHeadroom(risk, limits),
  };
  return {
    port,
    exchange,
    risk,
    deadMan,
    hooks,
    async close() {
      if (killTimer) clearInterval(killTimer);
      stopMarks();
      try {
        await deadMan?.stop();
      } finally {
        journal.close();
      }
    },
  };
}
