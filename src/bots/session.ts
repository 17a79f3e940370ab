import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Clock } from '../util/clock.js';
import { OkxkitError, ValidationError } from '../util/errors.js';
import { TAG_PATTERN } from '../protocol/cl-ord-id.js';
import { systemClock, timersOf, type TimerHandle } from '../util/clock.js';
import type { Ticker } from '../trading/exchange-port.js';
import { OkxExchange, type OkxTradingClient } from '../trading/okx-exchange.js';
import { streamClientFor, type StreamCredentials, type WsUrls } from '../trading/streams.js';
import type { Site } from '../protocol/hosts.js';
import { OrderJournal } from '../trading/journal.js';
import { Executor } from '../trading/executor.js';
import { OrderGuard, type GuardLimits } from '../trading/order-guard.js';
import { SafeExchange } from '../trading/safe-exchange.js';
import { RiskManager, type RiskLimits, type RiskMemory, type RiskScope } from '../trading/risk.js';
import { DeadMansSwitch, type CancelAllAfterApi } from '../trading/dead-mans-switch.js';
import type { KillSwitch } from '../trading/kill-switch.js';
import type { AuditSink } from '../trading/audit.js';
import type { RunnerHooks } from './runner.js';
import { silentLogger, type Logger } from '../util/logger.js';

/** What the trading stack needs of a client: OkxClient has this shape. */
export type BotClient = OkxTradingClient & {
  trade: CancelAllAfterApi;
  syncClock?(): Promise<unknown>;
  /** Where the WebSocket hosts are derived from (OkxClient has these). */
  readonly baseUrl?: string;
  readonly site?: Site;
  readonly demo?: boolean;
};

/** The WebSocket streams of a trading stack. */
export interface StackStreamOptions {
  /** The key the REST client signs with: logs in on /private for order updates and fills. */
  credentials?: StreamCredentials;
  /** Explicit WS URLs; default derived from the client's base URL (or site and demo flag). */
  urls?: WsUrls;
  /** How long to wait at start for the `orders` subscription before relying on REST (ms). Default 5000. */
  readyTimeoutMs?: number;
}

/** What `openTradingStack` needs: the client, the journal file and the optional clock, risk limits, guard and dead man's switch settings. */
export interface TradingStackOptions {
  client: BotClient;
  /** SQLite file of the order journal (the executor's exactly-once record). */
  journalPath: string;
  clock?: Clock;
  /**
   * Streams: prices from `tickers`, and with credentials order updates and fills from the private
   * `orders` channel. On when the client's base URL is known; false = REST polling only.
   */
  ws?: StackStreamOptions | false;
  /** REST polling period (ms) when a stream is off or down. Default 1000. */
  pollMs?: number;
  /** With the orders stream up: REST reconciliation of orders and fills (ms). Default 30 000. */
  reconcileMs?: number;
  risk?: RiskLimits;
  /** Where risk trips and kill switch observations are recorded (the hash-chained audit log). */
  audit?: AuditSink;
  /** The day's PnL and peak equity from earlier runs (the bot's state store), kept across restarts. */
  riskMemory?: RiskMemory;
  guard?: GuardLimits;
  /**
   * The account-wide risk scope (e.g. RedisRiskScope) shared with the other processes on the
   * account; synced every `killPollMs`, and this run's exposure released on close when flat.
   */
  riskScope?: RiskScope;
  /** Which orders are this run's (the bot's clOrdIds): with `riskScope`, only they count in its PnL. */
  ownsOrder?: (o: { clOrdId: string; ordId: string; instId: string }) => boolean;
  killSwitch?: KillSwitch;
  /** How often the kill switch file is checked (ms). Default 1000. */
  killPollMs?: number;
  /**
   * How often the clock offset is measured again (ms), besides the anomaly re-syncs the executor
   * asks for; the executor's resend deadline widens by the offset's error bound. Default 300000.
   */
  clockSyncMs?: number;
  /**
   * The bot's own order tag (1-16 letters or digits): every order it places carries it, and its
   * dead-man's switch is tag-level on it, so several bots on one key each keep their own timer
   * (docs/OKX-PROTOCOL.md §7.4). Without it, orders go untagged and the switch is account-level:
   * right only for the sole trader on a key.
   */
  tag?: string;
  /** cancel-all-after: the exchange cancels the orders if the bot stops beating for timeOutSec; false = off. */
  deadMan?: { timeOutSec?: number; heartbeatMs?: number } | false;
  /** Runs before anything else: the key audit (refuses to trade with an unsafe key). */
  keyCheck?: () => Promise<unknown>;
  onPollError?: (err: unknown) => void;
  /**
   * Order lifecycle logs: every journal event (intent, send, exchange state, rejection) and every
   * fill, each with the order's clOrdId as `corr`; also the risk breaker's failed effects and the
   * executor's failed lookups. Default: nothing logged.
   */
  logger?: Logger;
}

/** The layers a bot trades through, built by `openTradingStack`: the safe port in front of OkxExchange, the risk manager and the dead man's switch; `close()` it when done. */
export interface TradingStack {
  /** The Exchange port the bot trades through: guard, executor and risk in front of OkxExchange. */
  port: SafeExchange;
  exchange: OkxExchange;
  risk: RiskManager;
  deadMan: DeadMansSwitch | undefined;
  hooks: RunnerHooks;
  /** What streams over WebSocket (the rest is polled over REST every pollMs). */
  streams: { tickers: boolean; orders: boolean };
  /** The WebSocket client, when streams are on (its open / reconnecting / stopped events). */
  ws: ReturnType<typeof streamClientFor> | undefined;
  /** The REST reconciliation period in use (reconcileMs with the orders stream, else pollMs). */
  reconcileMs: number;
  /** Disarms the dead-man's switch, stops the streams and closes the journal. */
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
  const worst = (w: { where: string; value: string } | undefined, unit: string) =>
    w ? `${w.value}${unit} ${w.where}` : 'no position';
  const wp = s.worstPositions;
  if (limits.maxLeverage) parts.push(`leverage ${worst(wp.leverage, 'x')} (limit ${limits.maxLeverage}x)`);
  if (limits.minMarginRatio)
    parts.push(`margin ratio ${worst(wp.marginRatio, '')} (limit ${limits.minMarginRatio})`);
  if (limits.minLiqDistancePct)
    parts.push(`liq distance ${worst(wp.liqDistancePct, '%')} (limit ${limits.minLiqDistancePct}%)`);
  if (limits.maxExposure) parts.push(`exposure limit ${limits.maxExposure} ${c}`);
  const sh = s.shared;
  if (sh?.state === 'unreachable')
    parts.unshift(`ACCOUNT RISK SCOPE UNREACHABLE (${sh.error ?? ''}): orders that add exposure are refused`);
  else if (sh?.view) {
    const v = sh.view;
    parts.push(
      `account: daily pnl ${v.dailyPnl} ${c} over ${v.runs} runs, exposure ${v.exposure ?? 'unknown'} ${c}` +
        (v.stale.length ? `, ${v.stale.length} stale run(s) still counted` : ''),
    );
  }
  return parts.length ? parts.join(', ') : 'no limits set';
}

// long: wiring: client, exchange, journal, executor, risk, guard, dead man switch and their teardown, in dependency order
/**
 * The live trading path a bot runs on, the same for OKX, demo trading and the local exchange:
 * key audit -> clock sync -> OkxExchange (WS streams, REST reconciliation) -> SafeExchange (order
 * guard, journaled executor, risk manager) -> dead-man's switch armed. The risk manager hears of
 * every order state of the account and of every trade (partial fills included) as it happens.
 */
export async function openTradingStack(opts: TradingStackOptions): Promise<TradingStack> {
  const clock = opts.clock ?? systemClock;
  if (opts.tag !== undefined && !TAG_PATTERN.test(opts.tag))
    throw new ValidationError(
      'tag',
      `"${opts.tag}" is not a valid order tag`,
      'use 1 to 16 letters and digits',
    );
  if (opts.keyCheck) await opts.keyCheck();
  if (opts.client.syncClock) await opts.client.syncClock();
  const onError = opts.onPollError ?? (() => undefined);
  const ws =
    opts.ws === false
      ? undefined
      : streamClientFor(opts.client, {
          clock,
          ...(opts.ws?.credentials ? { credentials: opts.ws.credentials } : {}),
          ...(opts.ws?.urls ? { urls: opts.ws.urls } : {}),
        });
  // Order updates need the private login; without credentials only prices stream.
  const ordersOverWs = !!ws && opts.ws !== false && !!opts.ws?.credentials;
  ws?.on('error', (err) => onError(err));
  const exchange = new OkxExchange({
    client: opts.client,
    clock,
    pollMs: opts.pollMs ?? 1000,
    reconcileMs: opts.reconcileMs ?? 30_000,
    onPollError: onError,
    ...(ws ? { ws, streamOrders: ordersOverWs } : {}),
    ...(opts.tag !== undefined ? { orderTag: opts.tag } : {}),
  });
  mkdirSync(dirname(opts.journalPath), { recursive: true });
  const log = opts.logger ?? silentLogger;
  const journal = new OrderJournal(opts.journalPath, { clock, logger: log });
  const executor = new Executor({
    venue: exchange,
    journal,
    cancel: (ref) => exchange.cancelOrder(ref),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const limits = opts.risk ?? {};
  const risk = new RiskManager({
    limits,
    clock,
    exchange,
    // A trip's position action (limits.onTrip) goes through the journal, past the halted guard.
    placeOrder: (intent) => executor.place(intent),
    contractValue: (instId) => exchange.contractValues.get(instId),
    ...(opts.killSwitch ? { killSwitch: opts.killSwitch } : {}),
    ...(opts.riskMemory ? { memory: opts.riskMemory } : {}),
    ...(opts.riskScope ? { scope: opts.riskScope } : {}),
    ...(opts.riskScope && opts.ownsOrder ? { owns: opts.ownsOrder } : {}),
    ...(opts.audit ? { audit: opts.audit } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const guard = new OrderGuard({
    market: exchange,
    risk,
    clock,
    ...(opts.guard ? { limits: opts.guard } : {}),
  });
  const port = new SafeExchange({ inner: exchange, executor, guard, risk });
  let deadMan: DeadMansSwitch | undefined;
  // Every order state of the account and every trade, once each, as they happen.
  const guardRisk = (p: Promise<unknown>) => void p.catch(onError);
  const offOrders = exchange.onOrder((o) => guardRisk(risk.onOrder(o)));
  const offFills = exchange.onFill((f) => {
    log.info(
      {
        corr: f.clOrdId,
        event: 'fill',
        instId: f.instId,
        ordId: f.ordId,
        tradeId: f.tradeId,
        side: f.side,
        fillPx: f.fillPx,
        fillSz: f.fillSz,
        fee: f.fee,
        feeCcy: f.feeCcy,
      },
      'order fill',
    );
    guardRisk(risk.onFill(f));
  });
  const stopStreams = async () => {
    offOrders();
    offFills();
    await ws?.close();
  };
  try {
    if (ordersOverWs) {
      const wait = opts.ws ? (opts.ws.readyTimeoutMs ?? 5000) : 5000;
      let timer: TimerHandle | undefined;
      const streaming = await Promise.race([
        exchange.ordersStreamReady(),
        new Promise<boolean>((r) => (timer = timersOf(clock).setTimeout(() => r(false), wait))),
      ]);
      timersOf(clock).clear(timer);
      if (!streaming)
        onError(
          new OkxkitError(
            `the orders stream is not up after ${wait} ms: order states are polled over REST until it is`,
            {
              code: 'WS_ORDERS_NOT_READY',
              hint: 'Check that the WebSocket host is reachable and the key may log in (okxkit doctor).',
            },
          ),
        );
    }
    // Orders already open (a restart, other bots of the account) count against maxOpenOrders.
    await risk.setOpenOrders(await exchange.openOrders());
    if (opts.deadMan !== false) {
      deadMan = new DeadMansSwitch({
        api: opts.client.trade,
        clock,
        ...(opts.deadMan ?? {}),
        ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
      });
      await deadMan.start();
    }
  } catch (err) {
    journal.close();
    await stopStreams();
    throw err;
  }
  // `okxkit kill` in another process engages the persisted switch: notice it within a second.
  // A poll that fails (a trip whose audit write failed, a store that cannot be refreshed) is
  // reported, never an unhandled rejection; the trip has already halted trading by then.
  const ks = opts.killSwitch;
  const pollKill = async () => {
    try {
      await ks?.refresh();
    } catch (err) {
      onError(err);
    }
    const trip = await risk.pollKillSwitch();
    for (const e of trip?.errors ?? []) onError(new OkxkitError(e, { code: 'RISK_EFFECT_FAILED' }));
  };
  const killTimer = ks
    ? timersOf(clock).setInterval(() => void pollKill().catch(onError), opts.killPollMs ?? 1000, {
        unref: true,
      })
    : undefined;
  // The account-wide risk scope: this run's figures out, the account's in, every second (a
  // failure is in risk.snapshot().shared and refuses new exposure; never thrown here).
  const scopeTimer = opts.riskScope
    ? timersOf(clock).setInterval(
        () =>
          void risk
            .syncShared()
            .then((trip) => {
              for (const e of trip?.errors ?? []) onError(new OkxkitError(e, { code: 'RISK_EFFECT_FAILED' }));
            })
            .catch(onError),
        opts.killPollMs ?? 1000,
        { unref: true },
      )
    : undefined;
  // Derivatives limits (leverage, margin ratio, liquidation distance) read the positions.
  const positionsTimer = risk.watchesPositions
    ? timersOf(clock).setInterval(
        () =>
          void exchange
            .positions()
            .then((ps) => risk.onPositions(ps))
            .catch(onError),
        opts.pollMs ?? 1000,
        { unref: true },
      )
    : undefined;
  // Clocks drift: measure the offset again now and then (a failure keeps the last estimate).
  const sync = opts.client.syncClock?.bind(opts.client);
  const clockTimer = sync
    ? timersOf(clock).setInterval(() => void sync().catch(onError), opts.clockSyncMs ?? 300_000, {
        unref: true,
      })
    : undefined;
  // Marks that convert a quote currency other than the reporting one (e.g. BTC-USDT for ETH-BTC).
  const stopMarks = risk.followMarks(exchange, {
    ...(opts.onPollError ? { onError: opts.onPollError } : {}),
  });
  // Orders and fills reach the risk manager from the exchange's feed above; the runner's own
  // onOrder/onFill hooks would only repeat its bot's share of them.
  const hooks: RunnerHooks = {
    onTicker: (t: Ticker) => guardRisk(risk.onMark(t.instId, t.last)),
    riskHeadroom: () => riskHeadroom(risk, limits),
    haltReason: () => risk.haltReason(),
  };
  return {
    port,
    exchange,
    risk,
    deadMan,
    hooks,
    streams: { tickers: !!ws, orders: ordersOverWs },
    ws,
    reconcileMs: ordersOverWs ? (opts.reconcileMs ?? 30_000) : (opts.pollMs ?? 1000),
    async close() {
      timersOf(clock).clear(killTimer);
      timersOf(clock).clear(clockTimer);
      timersOf(clock).clear(positionsTimer);
      timersOf(clock).clear(scopeTimer);
      risk.saveMemory();
      // Flat: this run's exposure leaves the scope (its day PnL stays); a position left keeps counting.
      await risk.releaseShared().catch(onError);
      stopMarks();
      try {
        await deadMan?.stop();
      } finally {
        journal.close();
        await stopStreams();
      }
    },
  };
}
