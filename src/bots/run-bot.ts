import type { Clock } from '../util/clock.js';
import { sleepOn, systemClock, timersOf, type TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { KillSwitch } from '../trading/kill-switch.js';
import type { AuditSink } from '../trading/audit.js';
import type { RiskLimits, RiskScope } from '../trading/risk.js';
import { isBotClOrdId } from './cl-ord-id.js';
import type { BotConfig } from './config.js';
import { BotRunner, type BotEvent, type BotSummary } from './runner.js';
import { openTradingStack, type BotClient, type StackStreamOptions, type TradingStack } from './session.js';
import { BotStateStore } from './state-store.js';
import { tagOfBot } from './cl-ord-id.js';
import { StatusView, type StatusOutput } from './status-view.js';

/** What `runBot` needs: the bot config, the client it trades through, the key check and where its state lives. */
export interface RunBotOptions {
  config: BotConfig;
  client: BotClient;
  /** The key audit; it runs before anything else and throws to refuse an unsafe key. */
  keyCheck?: () => Promise<unknown>;
  /** Bot state (SQLite); ":memory:" for a throwaway run. */
  statePath: string;
  /** The executor's order journal (SQLite). */
  journalPath: string;
  /** Stop after this many seconds; without it, run until `signal` aborts or the strategy is done. */
  seconds?: number;
  signal?: AbortSignal;
  /** Cancel the bot's open orders on stop (they are placed again on the next start). */
  cancelOnExit?: boolean;
  /** Where the live status goes. */
  out?: StatusOutput;
  /** Redraw in place (default: out.isTTY). */
  tty?: boolean;
  /** Status refresh (ms). Default 1000. */
  statusEveryMs?: number;
  /** Without a terminal, one status line this often (ms). Default 10 s. */
  lineEveryMs?: number;
  /**
   * WebSocket streams (prices; with credentials order updates and fills); on by default for a
   * client with a base URL, false = REST polling only.
   */
  streams?: StackStreamOptions | false;
  /** REST polling of prices and orders while a stream is off or down (ms). Default 1000. */
  pollMs?: number;
  /**
   * Reconciliation over REST (open orders, fills, clOrdId lookups), ms. Default 30 000 when orders
   * stream over WS (a reconnect reconciles at once), else 2000.
   */
  reconcileMs?: number;
  killSwitch?: KillSwitch;
  /**
   * The account-wide risk scope shared with the other processes on the account (e.g.
   * RedisRiskScope): the bot's own orders (by clOrdId) count there, and the daily loss, position
   * and exposure limits hold for the whole account.
   */
  riskScope?: RiskScope;
  /** Where risk trips are recorded (the audit log). */
  audit?: AuditSink;
  clock?: Clock;
  logger?: Logger;
  onEvent?: (e: BotEvent) => void;
  /** Called once the bot has started (e.g. to show where it runs). */
  onStarted?: (runner: BotRunner) => void;
  /** Stop after this many orders refused in a row (default 5): the bot is not doing its job. */
  maxConsecutiveFailures?: number;
  /** Why the bot stopped by itself when it was not time up, the signal or the strategy done. */
  onStopReason?: (reason: string) => void;
  /** Trouble the status line cannot wait for (a failed poll, a risk effect that failed). */
  onTrouble?: (text: string) => void;
  /** Called once the trading stack is open (e.g. to read its stream counters after the run). */
  onStack?: (stack: TradingStack) => void;
}

// long: the bot lifecycle in order (state store, risk, stack, runner, status loop, stop, summary) with one teardown
/**
 * Runs one bot on the live path: key audit, the trading stack (guard, journaled executor, risk
 * limits, dead-man's switch), the runner with its SQLite state, and the live status, until the
 * time is up, the signal aborts or the strategy is done; then stops and returns the summary.
 */
export async function runBot(opts: RunBotOptions): Promise<BotSummary> {
  const clock = opts.clock ?? systemClock;
  const c = opts.config;
  const risk: RiskLimits = { ...(c.risk ?? {}) };
  // The state store first: the risk manager resumes its day's PnL and peak from it.
  let store: BotStateStore | undefined = new BotStateStore(opts.statePath);
  let stack: TradingStack;
  try {
    stack = await openTradingStack({
      client: opts.client,
      journalPath: opts.journalPath,
      clock,
      pollMs: opts.pollMs ?? 1000,
      ...(opts.reconcileMs !== undefined ? { reconcileMs: opts.reconcileMs } : {}),
      ...(opts.streams !== undefined ? { ws: opts.streams } : {}),
      risk,
      // The bot's own tag on its orders and its own tag-level switch: bots sharing a key never
      // reset, disarm or keep alive each other's timer (docs/OKX-PROTOCOL.md §7.4).
      tag: tagOfBot(c),
      deadMan: c.deadManSec
        ? { timeOutSec: c.deadManSec, heartbeatMs: Math.min(5000, (c.deadManSec * 1000) / 4) }
        : false,
      ...(opts.keyCheck ? { keyCheck: opts.keyCheck } : {}),
      ...(opts.killSwitch ? { killSwitch: opts.killSwitch } : {}),
      riskMemory: store.riskMemory(c.id),
      ...(opts.riskScope
        ? { riskScope: opts.riskScope, ownsOrder: (o: { clOrdId: string }) => isBotClOrdId(c.id, o.clOrdId) }
        : {}),
      ...(opts.audit ? { audit: opts.audit } : {}),
      ...(opts.logger ? { logger: opts.logger.child({ bot: c.id }) } : {}),
      onPollError: (err) => {
        const text = err instanceof Error ? err.message : String(err);
        opts.logger?.warn({ err: text }, 'poll failed');
        opts.onTrouble?.(text);
      },
    });
  } catch (err) {
    store.close();
    throw err;
  }
  opts.onStack?.(stack);
  let runner: BotRunner | undefined;
  const view = opts.out
    ? new StatusView(opts.out, {
        lineEveryMs: opts.lineEveryMs ?? 10_000,
        ...(opts.tty !== undefined ? { tty: opts.tty } : {}),
      })
    : undefined;
  const timers = timersOf(clock);
  let timer: TimerHandle | undefined;
  try {
    runner = new BotRunner({
      port: stack.port,
      store,
      config: c,
      hooks: stack.hooks,
      reconcileIntervalMs: opts.reconcileMs ?? (stack.streams.orders ? stack.reconcileMs : 2000),
      clock,
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    });
    const r = runner;
    // `okxkit resume` (or resume() here): the bot places what the halt kept parked, once.
    stack.risk.onResume = () => void r.resumeAfterHalt();
    await runner.start();
    opts.onStarted?.(runner);
    if (view) {
      view.update(r.status());
      timer = timers.setInterval(() => view.update(r.status()), opts.statusEveryMs ?? 1000);
    }
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) stop.abort();
    void r.finished.then(() => stop.abort());
    const maxFailures = opts.maxConsecutiveFailures ?? 5;
    const watch = timers.setInterval(
      () => {
        const st = r.status();
        if ((st.consecutiveFailures ?? 0) >= maxFailures) {
          opts.onStopReason?.(
            `stopped after ${st.consecutiveFailures} orders refused in a row; last: ${st.lastError}`,
          );
          stop.abort();
        }
      },
      250,
      { unref: true },
    );
    // the run's length, cut short by the signal or the strategy's end (an abort is no failure)
    await sleepOn(clock)(opts.seconds !== undefined ? opts.seconds * 1000 : 2 ** 31 - 1, stop.signal).catch(
      () => undefined,
    );
    opts.signal?.removeEventListener('abort', onAbort);
    timers.clear(watch);
    timers.clear(timer);
    timer = undefined;
    const summary = await r.stop({ cancelOpenOrders: !!opts.cancelOnExit });
    if (view) {
      // Last drawing in place with the final numbers (and always a last line without a terminal).
      if (view.tty) view.update(summary);
      view.finish();
    }
    return summary;
  } finally {
    timers.clear(timer);
    await stack.close();
    store?.close();
    store = undefined;
  }
}
