import {
  AggregatorRegistry,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';
import type { RequestEvent } from '../client/okx-client.js';
import type { OkxWsClient } from '../ws/client.js';
import type { BotEvent, BotStatus } from '../bots/runner.js';
import type { RiskSnapshot } from '../trading/risk.js';
import type { RiskLimits } from '../trading/risk.js';

/** What `getMetricsAsJSON()` gives: one process's metrics, sent from a bot process to the supervisor. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Every series okxkit exposes on /metrics (the Grafana dashboard may query only these). */
export const OKXKIT_SERIES = [
  'okxkit_rest_requests_total',
  'okxkit_rest_request_duration_seconds',
  'okxkit_okx_errors_total',
  'okxkit_rate_limit_headroom_ratio',
  'okxkit_rate_limit_pressure_total',
  'okxkit_ws_connected',
  'okxkit_ws_reconnects_total',
  'okxkit_book_resyncs_total',
  'okxkit_clock_offset_seconds',
  'okxkit_clock_error_seconds',
  'okxkit_bot_orders_placed_total',
  'okxkit_bot_orders_filled_total',
  'okxkit_bot_orders_rejected_total',
  'okxkit_bot_realised_pnl',
  'okxkit_bot_unrealised_pnl',
  'okxkit_bot_equity',
  'okxkit_bot_open_orders',
  'okxkit_bot_halted',
  'okxkit_risk_headroom',
  'okxkit_kill_switch_engaged',
  'okxkit_bot_up',
  'okxkit_bot_restarts_total',
  'okxkit_bot_crashes_total',
  'okxkit_account_equity',
] as const;

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function outcomeOf(e: RequestEvent): string {
  if (e.status === undefined) return 'network_error';
  if (e.okxCode === '0') return 'ok';
  if (e.okxCode?.startsWith('HTTP_') || e.status >= 400) return 'http_error';
  return 'okx_error';
}

/** A number from a decimal string, NaN for "" / undefined (Prometheus shows NaN as "unknown"). */
function num(v: string | undefined): number {
  return v === undefined || v === '' ? NaN : Number(v);
}

/**
 * The metrics of one bot process: REST requests (from OkxClient's onRequest), the WebSocket
 * connection (from the stream client's events), the clock offset, and the bot's own figures
 * sampled from its status and its risk manager. Labels: `bot` on every per-bot series.
 */
export class BotMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'endpoint' | 'outcome'>;
  private readonly latency: Histogram<'endpoint'>;
  private readonly okxErrors: Counter<'code' | 'endpoint'>;
  private readonly wsConnected: Gauge<'bot' | 'endpoint'>;
  private readonly wsReconnects: Counter<'bot' | 'endpoint'>;
  private readonly bookResyncs: Counter<'bot' | 'instId' | 'reason'>;
  private readonly clockOffset: Gauge<'bot'>;
  private readonly clockError: Gauge<'bot'>;
  private readonly placed: Counter<'bot'>;
  private readonly filled: Counter<'bot'>;
  private readonly rejected: Counter<'bot'>;
  private readonly realised: Gauge<'bot' | 'ccy'>;
  private readonly unrealised: Gauge<'bot' | 'ccy'>;
  private readonly equity: Gauge<'bot' | 'ccy'>;
  private readonly openOrders: Gauge<'bot'>;
  private readonly halted: Gauge<'bot'>;
  private readonly headroom: Gauge<'bot' | 'limit'>;

  // long: the constructor declares each series once (name, help, labels); one per metric reads better than a table
  constructor(readonly bot: string) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'okxkit_rest_requests_total',
      help: 'REST requests by endpoint and outcome (ok, okx_error, http_error, network_error)',
      labelNames: ['endpoint', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: 'okxkit_rest_request_duration_seconds',
      help: 'REST round trip per endpoint, seconds',
      labelNames: ['endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.okxErrors = new Counter({
      name: 'okxkit_okx_errors_total',
      help: 'Answers with an OKX error code, by code and endpoint',
      labelNames: ['code', 'endpoint'],
      registers,
    });
    this.wsConnected = new Gauge({
      name: 'okxkit_ws_connected',
      help: 'WebSocket connection state per bot and endpoint (1 open, 0 down)',
      labelNames: ['bot', 'endpoint'],
      registers,
    });
    this.wsReconnects = new Counter({
      name: 'okxkit_ws_reconnects_total',
      help: 'WebSocket reconnect attempts per bot and endpoint',
      labelNames: ['bot', 'endpoint'],
      registers,
    });
    this.bookResyncs = new Counter({
      name: 'okxkit_book_resyncs_total',
      help: "Resyncs of the bot's WebSocket order books, by instrument and reason (gap, checksum, no-snapshot)",
      labelNames: ['bot', 'instId', 'reason'],
      registers,
    });
    this.bookResyncs.inc({ bot }, 0);
    this.clockOffset = new Gauge({
      name: 'okxkit_clock_offset_seconds',
      help: 'Server time minus local time as last measured, seconds',
      labelNames: ['bot'],
      registers,
    });
    this.clockError = new Gauge({
      name: 'okxkit_clock_error_seconds',
      help: "Error bound of the clock offset (half the best sample's round trip), seconds",
      labelNames: ['bot'],
      registers,
    });
    this.placed = new Counter({
      name: 'okxkit_bot_orders_placed_total',
      help: 'Orders placed per bot (since its process started)',
      labelNames: ['bot'],
      registers,
    });
    this.filled = new Counter({
      name: 'okxkit_bot_orders_filled_total',
      help: 'Orders filled per bot (since its process started)',
      labelNames: ['bot'],
      registers,
    });
    this.rejected = new Counter({
      name: 'okxkit_bot_orders_rejected_total',
      help: 'Orders refused per bot, by the exchange or a pre-trade check (since its process started)',
      labelNames: ['bot'],
      registers,
    });
    for (const c of [this.placed, this.filled, this.rejected]) c.inc({ bot }, 0);
    this.realised = new Gauge({
      name: 'okxkit_bot_realised_pnl',
      help: "Realised PnL of the bot's strategy, in its quote currency",
      labelNames: ['bot', 'ccy'],
      registers,
    });
    this.unrealised = new Gauge({
      name: 'okxkit_bot_unrealised_pnl',
      help: "Unrealised PnL of the bot's strategy, in its quote currency",
      labelNames: ['bot', 'ccy'],
      registers,
    });
    this.equity = new Gauge({
      name: 'okxkit_bot_equity',
      help: "Equity of the bot's instrument currencies (quote + base at the last price)",
      labelNames: ['bot', 'ccy'],
      registers,
    });
    this.openOrders = new Gauge({
      name: 'okxkit_bot_open_orders',
      help: 'Open orders of the bot',
      labelNames: ['bot'],
      registers,
    });
    this.halted = new Gauge({
      name: 'okxkit_bot_halted',
      help: 'Whether the bot is halted (kill switch or a risk trip), 1 or 0',
      labelNames: ['bot'],
      registers,
    });
    this.headroom = new Gauge({
      name: 'okxkit_risk_headroom',
      help: 'How far each risk limit is from tripping (daily_loss, drawdown in the reporting currency; open_orders)',
      labelNames: ['bot', 'limit'],
      registers,
    });
  }

  /** OkxClient's onRequest. */
  readonly onRequest = (e: RequestEvent): void => {
    this.requests.inc({ endpoint: e.endpoint, outcome: outcomeOf(e) });
    this.latency.observe({ endpoint: e.endpoint }, e.latencyMs / 1000);
    if (e.okxCode !== undefined && e.okxCode !== '0')
      this.okxErrors.inc({ code: e.okxCode, endpoint: e.endpoint });
  };

  /** The runner's events. */
  readonly onBotEvent = (e: BotEvent): void => {
    if (e.type === 'placed') this.placed.inc({ bot: this.bot });
    else if (e.type === 'filled') this.filled.inc({ bot: this.bot });
    else if (e.type === 'rejected') this.rejected.inc({ bot: this.bot });
  };

  wsOpen(endpoint: string): void {
    this.wsConnected.set({ bot: this.bot, endpoint }, 1);
  }

  wsDown(endpoint: string, reconnecting: boolean): void {
    this.wsConnected.set({ bot: this.bot, endpoint }, 0);
    if (reconnecting) this.wsReconnects.inc({ bot: this.bot, endpoint });
  }

  /**
   * Follows the bot's WebSocket client: connection state and reconnects per endpoint, and every
   * resync of an order book made on it (its `bookResync` event). `ws` (endpoint -> open) is kept
   * up to date for the status report. Returns the unsubscribe.
   */
  followWs(client: OkxWsClient, ws: Record<string, boolean> = {}): () => void {
    const onOpen = ({ endpoint }: { endpoint: string }) => {
      ws[endpoint] = true;
      this.wsOpen(endpoint);
    };
    const onReconnecting = ({ endpoint }: { endpoint: string }) => {
      ws[endpoint] = false;
      this.wsDown(endpoint, true);
    };
    const onStopped = ({ endpoint }: { endpoint: string }) => {
      ws[endpoint] = false;
      this.wsDown(endpoint, false);
    };
    const onResync = ({ instId, reason }: { instId: string; reason: string }) =>
      this.bookResyncs.inc({ bot: this.bot, instId, reason });
    client.on('open', onOpen);
    client.on('reconnecting', onReconnecting);
    client.on('stopped', onStopped);
    client.on('bookResync', onResync);
    return () => {
      client.off('open', onOpen);
      client.off('reconnecting', onReconnecting);
      client.off('stopped', onStopped);
      client.off('bookResync', onResync);
    };
  }

  /** Samples the bot's figures (called before each snapshot is sent). */
  sample(
    s: BotStatus,
    risk: RiskSnapshot | undefined,
    limits: RiskLimits,
    clock: { offsetMs: number; errorMs: number },
  ): void {
    const bot = this.bot;
    const ccy = s.quoteCcy || 'unknown';
    this.realised.set({ bot, ccy }, num(s.realisedPnl));
    this.unrealised.set({ bot, ccy }, num(s.unrealisedPnl));
    this.equity.set({ bot, ccy }, num(s.equity));
    this.openOrders.set({ bot }, s.openOrders);
    this.halted.set({ bot }, s.halted ? 1 : 0);
    this.clockOffset.set({ bot }, clock.offsetMs / 1000);
    if (Number.isFinite(clock.errorMs)) this.clockError.set({ bot }, clock.errorMs / 1000);
    if (risk) {
      if (limits.maxDailyLoss)
        this.headroom.set({ bot, limit: 'daily_loss' }, Number(limits.maxDailyLoss) + num(risk.dailyPnl));
      if (limits.maxDrawdown)
        this.headroom.set({ bot, limit: 'drawdown' }, Number(limits.maxDrawdown) - num(risk.drawdown));
      if (limits.maxOpenOrders !== undefined)
        this.headroom.set({ bot, limit: 'open_orders' }, limits.maxOpenOrders - risk.openOrders);
    }
  }

  snapshot(): Promise<MetricsJson> {
    return this.registry.getMetricsAsJSON();
  }
}

/** The supervisor's own series: bot processes, the shared limiter, the kill switch, the account. */
export class SupervisorMetrics {
  readonly registry = new Registry();
  readonly up: Gauge<'bot'>;
  readonly restarts: Counter<'bot'>;
  readonly crashes: Counter<'bot'>;
  readonly pressure: Counter<'endpoint'>;
  readonly killEngaged: Gauge<'scope'>;
  readonly accountEquity: Gauge<'ccy'>;

  constructor(opts: { headroom: () => { rule: string; ratio: number }[] }) {
    const registers = [this.registry];
    this.up = new Gauge({
      name: 'okxkit_bot_up',
      help: 'Whether the bot process runs, 1 or 0',
      labelNames: ['bot'],
      registers,
    });
    this.restarts = new Counter({
      name: 'okxkit_bot_restarts_total',
      help: 'Restarts of a bot process by the supervisor',
      labelNames: ['bot'],
      registers,
    });
    this.crashes = new Counter({
      name: 'okxkit_bot_crashes_total',
      help: 'Bot processes that ended without being asked to (a crash, kill -9)',
      labelNames: ['bot'],
      registers,
    });
    this.pressure = new Counter({
      name: 'okxkit_rate_limit_pressure_total',
      help: 'Times a rate rule went above 80% of its limit',
      labelNames: ['endpoint'],
      registers,
    });
    this.killEngaged = new Gauge({
      name: 'okxkit_kill_switch_engaged',
      help: 'Kill switch state of the scope the bots trade in, 1 engaged or 0',
      labelNames: ['scope'],
      registers,
    });
    this.accountEquity = new Gauge({
      name: 'okxkit_account_equity',
      help: 'Account equity per currency (balance eq), as last read',
      labelNames: ['ccy'],
      registers,
    });
    new Gauge({
      name: 'okxkit_rate_limit_headroom_ratio',
      help: 'Share of each rate rule still free in its window (1 = unused), from the shared limiter',
      labelNames: ['rule'],
      registers,
      collect() {
        this.reset();
        for (const h of opts.headroom()) this.set({ rule: h.rule }, h.ratio);
      },
    });
  }
}

/** One exposition of the supervisor's series and each bot process's last snapshot (counters and gauges summed by label). */
export async function exposition(
  own: Registry,
  children: MetricsJson[],
): Promise<{ text: string; contentType: string }> {
  const merged = AggregatorRegistry.aggregate([(await own.getMetricsAsJSON()) as MetricsJson, ...children]);
  return { text: await merged.metrics(), contentType: merged.contentType };
}
