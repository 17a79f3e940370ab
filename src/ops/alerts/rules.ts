import { Decimal } from '../../util/decimal.js';
import type { AlertInput } from '../../trading/alerts.js';
import type { Fill } from '../../trading/exchange-port.js';
import { systemClock, timersOf, type Clock, type TimerHandle } from '../../util/clock.js';

/** The thresholds of the alert rules; every one has a default. */
export interface AlertRuleThresholds {
  /** `threshold` failed requests within `windowMs`: an error-rate spike. Default 20 in 60 s. */
  errorRate: { threshold: number; windowMs: number };
  /** `threshold` rate-limit refusals (OKX 50011) within `windowMs`. Default 5 in 60 s. */
  rateLimited: { threshold: number; windowMs: number };
  /** A WebSocket endpoint down (reconnecting or stopped) longer than this. Default 30 s. */
  wsDownMs: number;
  /** A balance change must be matched by a fill or a bill within this time either side. Default 15 s. */
  balanceGraceMs: number;
  /** |balance change - sum of bills| at most this counts as matched. Default 1e-8. */
  balanceTolerance: string;
  /** A risk limit used at this share or more warns (then breached at 100 %). Default 0.8. */
  riskWarnRatio: number;
  /** |local clock - server clock| beyond this (ms). Default 1000. */
  clockDriftMs: number;
  /** An API key older than this (days) is due for rotation. Default 90. */
  keyMaxAgeDays: number;
  /** `crashes` bot crashes within `windowMs`: a crash loop. Default 3 in 10 min. */
  crashLoop: { crashes: number; windowMs: number };
}

export const DEFAULT_RULE_THRESHOLDS: AlertRuleThresholds = {
  errorRate: { threshold: 20, windowMs: 60_000 },
  rateLimited: { threshold: 5, windowMs: 60_000 },
  wsDownMs: 30_000,
  balanceGraceMs: 15_000,
  balanceTolerance: '0.00000001',
  riskWarnRatio: 0.8,
  clockDriftMs: 1_000,
  keyMaxAgeDays: 90,
  crashLoop: { crashes: 3, windowMs: 600_000 },
};

/** A change of one currency's balance (from the account channel or a balance poll). */
export interface BalanceObservation {
  ccy: string;
  /** The new total, a decimal string. */
  total: string;
}

/** An account bill (OKX /account/bills): a booked balance change of one currency. */
export interface BillObservation {
  ccy: string;
  /** Signed change, a decimal string. */
  balChg: string;
  /** ms; default now. */
  ts?: number;
}

/** A risk limit's use now: e.g. daily loss 80 of 100 USDT. */
export interface RiskObservation {
  /** The limit's name (maxDailyLoss, maxDrawdown, maxOpenOrders...). */
  limit: string;
  used: number;
  max: number;
  /** Who it belongs to (a bot id), for the message. */
  scope?: string;
}

/** A detected withdrawal (src/security/withdrawal-watch.ts's WithdrawalAlert fits). */
export interface WithdrawalObservation {
  kind: string;
  severity: 'critical' | 'warning';
  message: string;
  bill?: unknown;
}

type Emit = (a: AlertInput) => unknown;

/**
 * The alert rules over metrics and events (docs/REQUIREMENTS.md R21). Fed by typed observations
 * (the `observe*` methods, which fit the existing callbacks of the client, the WebSocket client,
 * the risk manager, the kill switch, clock sync, the withdrawal watch and the supervisor), each
 * rule decides when to raise an alert through the hub. Time goes through the injected clock:
 * windows are measured on it and delayed checks (WS down, unmatched balance) are its timers.
 */
export class AlertRules {
  readonly thresholds: AlertRuleThresholds;
  private readonly emit: Emit;
  private readonly clock: Clock;
  private errors: number[] = [];
  private limited: number[] = [];
  private readonly wsDown = new Map<string, { since: number; timer: TimerHandle; fired: boolean }>();
  private readonly balances = new Map<string, Decimal>();
  private readonly activity: Array<{ ccy: string; ts: number; balChg?: Decimal; fill: boolean }> = [];
  private readonly balanceChecks = new Set<TimerHandle>();
  private readonly riskLevel = new Map<string, 'ok' | 'warn' | 'breached'>();
  private killEngaged = new Map<string, boolean>();
  private clockBad = false;
  private readonly crashes = new Map<string, number[]>();

  constructor(opts: {
    alerts: { emit(a: AlertInput): unknown };
    clock?: Clock;
    thresholds?: Partial<AlertRuleThresholds>;
  }) {
    this.emit = (a) => opts.alerts.emit(a);
    this.clock = opts.clock ?? systemClock;
    this.thresholds = { ...DEFAULT_RULE_THRESHOLDS, ...opts.thresholds };
  }

  /** Every failed request (OkxClient errors): error-rate spike and repeated 50011. */
  observeRequestError(err: unknown, ctx: { endpoint?: string } = {}): void {
    const now = this.clock.now();
    const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : '';
    const t = this.thresholds;
    this.errors = [...this.errors.filter((x) => now - x < t.errorRate.windowMs), now];
    if (this.errors.length >= t.errorRate.threshold) {
      this.emit({
        kind: 'error-rate',
        severity: 'warning',
        message: `${this.errors.length} failed requests in the last ${secs(t.errorRate.windowMs)}`,
        details: {
          errors: this.errors.length,
          windowMs: t.errorRate.windowMs,
          lastCode: code,
          endpoint: ctx.endpoint,
        },
        dedupKey: 'error-rate',
      });
    }
    // docs/OKX-PROTOCOL.md §5: 50011 is the per-rule rate limit refusal.
    if (code === '50011') {
      this.limited = [...this.limited.filter((x) => now - x < t.rateLimited.windowMs), now];
      if (this.limited.length >= t.rateLimited.threshold) {
        this.emit({
          kind: 'rate-limited',
          severity: 'warning',
          message: `OKX refused ${this.limited.length} requests with 50011 (rate limit) in the last ${secs(t.rateLimited.windowMs)}`,
          details: { count: this.limited.length, endpoint: ctx.endpoint },
          dedupKey: 'rate-limited',
        });
      }
    }
  }

  /** A WebSocket endpoint went down (reconnecting, stopped) or came up (open). */
  observeWs(e: { endpoint: string; state: 'up' | 'down' }): void {
    const timers = timersOf(this.clock);
    const cur = this.wsDown.get(e.endpoint);
    if (e.state === 'up') {
      if (!cur) return;
      timers.clear(cur.timer);
      this.wsDown.delete(e.endpoint);
      if (cur.fired)
        this.emit({
          kind: 'ws-recovered',
          severity: 'info',
          message: `WebSocket ${e.endpoint} is back after ${secs(this.clock.now() - cur.since)}`,
          details: { endpoint: e.endpoint, downMs: this.clock.now() - cur.since },
          dedupKey: `ws-recovered:${e.endpoint}:${cur.since}`,
        });
      return;
    }
    if (cur) return;
    const since = this.clock.now();
    const entry = {
      since,
      fired: false,
      timer: timers.setTimeout(
        () => {
          entry.fired = true;
          this.emit({
            kind: 'ws-down',
            severity: 'critical',
            message: `WebSocket ${e.endpoint} down for more than ${secs(this.thresholds.wsDownMs)}`,
            details: { endpoint: e.endpoint, since: new Date(since).toISOString() },
            dedupKey: `ws-down:${e.endpoint}:${since}`,
          });
        },
        this.thresholds.wsDownMs,
        { unref: true },
      ),
    };
    this.wsDown.set(e.endpoint, entry);
  }

  /** Wires observeWs to a WsClient's events (open = up; reconnecting, stopped = down). */
  watchWs(ws: {
    on(event: 'open' | 'reconnecting' | 'stopped', fn: (e: { endpoint: string }) => void): unknown;
  }): void {
    ws.on('open', (e) => this.observeWs({ endpoint: e.endpoint, state: 'up' }));
    ws.on('reconnecting', (e) => this.observeWs({ endpoint: e.endpoint, state: 'down' }));
    ws.on('stopped', (e) => this.observeWs({ endpoint: e.endpoint, state: 'down' }));
  }

  /** A fill: explains balance changes of its base, quote and fee currencies. */
  observeFill(f: Pick<Fill, 'instId' | 'feeCcy'> & { ts?: number }): void {
    const ts = f.ts ?? this.clock.now();
    const [base, quote] = f.instId.split('-');
    for (const ccy of new Set([base, quote, f.feeCcy].filter((c): c is string => !!c)))
      this.activity.push({ ccy, ts, fill: true });
    this.prune();
  }

  /** A bill: explains a balance change of its currency by its amount. */
  observeBill(b: BillObservation): void {
    this.activity.push({
      ccy: b.ccy,
      ts: b.ts ?? this.clock.now(),
      balChg: new Decimal(b.balChg),
      fill: false,
    });
    this.prune();
  }

  /**
   * A currency's balance now. A change from the last one seen is checked `balanceGraceMs` later:
   * without a fill touching the currency or bills adding up to the change within the grace time
   * either side, it raises `balance-unexplained`.
   */
  observeBalance(b: BalanceObservation): void {
    const total = new Decimal(b.total);
    const prev = this.balances.get(b.ccy);
    this.balances.set(b.ccy, total);
    if (prev === undefined || prev.eq(total)) return;
    const delta = total.minus(prev);
    const at = this.clock.now();
    const timers = timersOf(this.clock);
    const h = timers.setTimeout(
      () => {
        this.balanceChecks.delete(h);
        this.checkBalance(b.ccy, delta, at);
      },
      this.thresholds.balanceGraceMs,
      { unref: true },
    );
    this.balanceChecks.add(h);
  }

  private checkBalance(ccy: string, delta: Decimal, at: number): void {
    const g = this.thresholds.balanceGraceMs;
    const near = this.activity.filter((a) => a.ccy === ccy && Math.abs(a.ts - at) <= g);
    if (near.some((a) => a.fill)) return;
    const billed = near.reduce((s, a) => s.plus(a.balChg ?? 0), new Decimal(0));
    if (billed.minus(delta).abs().lte(this.thresholds.balanceTolerance)) return;
    this.emit({
      kind: 'balance-unexplained',
      severity: 'critical',
      message: `${ccy} balance changed by ${delta.toString()} with no matching fill or bill`,
      details: { ccy, change: delta.toString(), billed: billed.toString(), at: new Date(at).toISOString() },
      dedupKey: `balance-unexplained:${ccy}:${at}`,
    });
  }

  /** A withdrawal or unexpected outflow found by the withdrawal watch. */
  observeWithdrawal(w: WithdrawalObservation): void {
    this.emit({
      kind: 'withdrawal',
      severity: 'critical',
      message: w.message,
      details: { watch: w.kind, bill: w.bill },
      dedupKey: `withdrawal:${w.message}`,
    });
  }

  /** A risk limit's use: warns at riskWarnRatio, critical once breached; each level once until it falls back. */
  observeRisk(r: RiskObservation): void {
    const key = `${r.scope ?? ''}:${r.limit}`;
    const ratio = r.max > 0 ? r.used / r.max : 0;
    const level = ratio >= 1 ? 'breached' : ratio >= this.thresholds.riskWarnRatio ? 'warn' : 'ok';
    const prev = this.riskLevel.get(key) ?? 'ok';
    this.riskLevel.set(key, level);
    if (level === prev || level === 'ok' || (prev === 'breached' && level === 'warn')) return;
    const who = r.scope ? `${r.scope}: ` : '';
    const pct = Math.round(ratio * 100);
    this.emit({
      kind: level === 'breached' ? 'risk-breached' : 'risk-near-limit',
      severity: level === 'breached' ? 'critical' : 'warning',
      message: `${who}risk limit ${r.limit} ${level === 'breached' ? 'breached' : 'at'} ${pct} % (${r.used} of ${r.max})`,
      details: { limit: r.limit, used: r.used, max: r.max, scope: r.scope },
      dedupKey: `risk:${key}:${level}:${this.clock.now()}`,
    });
  }

  /** The kill switch of a scope changed (engaged or released); alerts on each change. */
  observeKillSwitch(k: { scope: string; engaged: boolean; reason?: string }): void {
    const prev = this.killEngaged.get(k.scope) ?? false;
    this.killEngaged.set(k.scope, k.engaged);
    if (prev === k.engaged) return;
    this.emit({
      kind: 'kill-switch',
      severity: k.engaged ? 'critical' : 'info',
      message: k.engaged
        ? `kill switch engaged for ${k.scope}${k.reason ? `: ${k.reason}` : ''}`
        : `kill switch released for ${k.scope}`,
      details: { scope: k.scope, engaged: k.engaged, reason: k.reason },
      dedupKey: `kill-switch:${k.scope}:${k.engaged}:${this.clock.now()}`,
    });
  }

  /** A clock measurement (OkxClient.syncClock): offset from the server and its error bound, ms. */
  observeClock(c: { offsetMs: number; errorMs?: number }): void {
    const bad = Math.abs(c.offsetMs) > this.thresholds.clockDriftMs;
    const was = this.clockBad;
    this.clockBad = bad;
    if (!bad || was) return;
    this.emit({
      kind: 'clock-drift',
      severity: 'warning',
      message: `local clock is ${Math.round(c.offsetMs)} ms off the exchange's (bound ${this.thresholds.clockDriftMs} ms): fix NTP on this host`,
      details: { offsetMs: c.offsetMs, errorMs: c.errorMs, boundMs: this.thresholds.clockDriftMs },
      dedupKey: 'clock-drift',
    });
  }

  /** An API key's age (a vault profile's ageDays, or createdAt): older than keyMaxAgeDays is due for rotation. */
  observeKeyAge(k: { profile: string; ageDays?: number; createdAt?: string; apiKeyMasked?: string }): void {
    const age =
      k.ageDays ??
      (k.createdAt ? Math.floor((this.clock.now() - Date.parse(k.createdAt)) / 86_400_000) : undefined);
    if (age === undefined || !Number.isFinite(age) || age <= this.thresholds.keyMaxAgeDays) return;
    this.emit({
      kind: 'key-age',
      severity: 'warning',
      message: `API key of profile ${k.profile} is ${age} days old (rotate every ${this.thresholds.keyMaxAgeDays}): okxkit keys rotate ${k.profile}`,
      details: { profile: k.profile, ageDays: age, apiKey: k.apiKeyMasked },
      dedupKey: `key-age:${k.profile}`,
    });
  }

  /** A bot process exited abnormally: `bot-crash`, and `bot-crash-loop` at crashLoop.crashes within its window. */
  observeBotCrash(b: { bot: string; code?: number | null; signal?: string | null; error?: string }): void {
    const now = this.clock.now();
    const t = this.thresholds.crashLoop;
    const list = [...(this.crashes.get(b.bot) ?? []).filter((x) => now - x < t.windowMs), now];
    this.crashes.set(b.bot, list);
    const how = b.signal ? `signal ${b.signal}` : `exit code ${b.code ?? '?'}`;
    this.emit({
      kind: 'bot-crash',
      severity: 'warning',
      message: `bot ${b.bot} crashed (${how})`,
      details: { bot: b.bot, code: b.code, signal: b.signal, error: b.error },
      dedupKey: `bot-crash:${b.bot}:${now}`,
    });
    if (list.length >= t.crashes)
      this.emit({
        kind: 'bot-crash-loop',
        severity: 'critical',
        message: `bot ${b.bot} crashed ${list.length} times in ${secs(t.windowMs)}`,
        details: { bot: b.bot, crashes: list.length, windowMs: t.windowMs },
        dedupKey: `bot-crash-loop:${b.bot}`,
      });
  }

  /** Stops the pending timers (WS down, balance checks). */
  close(): void {
    const timers = timersOf(this.clock);
    for (const w of this.wsDown.values()) timers.clear(w.timer);
    this.wsDown.clear();
    for (const h of this.balanceChecks) timers.clear(h);
    this.balanceChecks.clear();
  }

  private prune(): void {
    const horizon = this.clock.now() - 4 * this.thresholds.balanceGraceMs;
    while (this.activity.length && this.activity[0]!.ts < horizon) this.activity.shift();
  }
}

function secs(ms: number): string {
  return ms % 60_000 === 0 && ms >= 60_000 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}
