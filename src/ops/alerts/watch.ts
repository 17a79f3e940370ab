import type { Fill, Unsubscribe } from '../../trading/exchange-port.js';
import type { KillState } from '../../trading/kill-switch.js';
import type { RiskSnapshot } from '../../trading/risk.js';
import type { RiskLimits } from '../../trading/risk/policy.js';
import { systemClock, timersOf, type Clock } from '../../util/clock.js';
import type { AlertRules } from './rules.js';

/** What a running bot offers the rules; every part is optional (a TradingStack has most of them). */
export interface WatchTarget {
  /** Names the bot in messages (risk limits). */
  scope?: string;
  /** OkxClient: its clock offset after each sync. */
  client?: { readonly clockOffsetMs: number; readonly clockErrorMs: number };
  /** RiskManager and the limits it enforces: use of each limit. */
  risk?: { snapshot(): RiskSnapshot };
  limits?: RiskLimits;
  /** The kill switch of the bot's scope. */
  killSwitch?: { readonly scope: string; state(): KillState };
  /** OkxExchange: every fill (explains balance changes). */
  exchange?: { onFill(fn: (f: Fill) => void): Unsubscribe };
  /** WsClient: open / reconnecting / stopped. */
  ws?: Parameters<AlertRules['watchWs']>[0];
}

/**
 * Feeds the rules from a running bot: fills and WebSocket state as they happen; risk use, the
 * kill switch and the clock offset every `everyMs` on the clock's timers. Returns the stop function.
 */
export function watchStack(
  rules: AlertRules,
  target: WatchTarget,
  opts: { clock?: Clock; everyMs?: number } = {},
): () => void {
  const clock = opts.clock ?? systemClock;
  const off: Array<() => void> = [];
  if (target.exchange) off.push(target.exchange.onFill((f) => rules.observeFill(f)));
  if (target.ws) rules.watchWs(target.ws);
  const look = () => {
    if (target.risk && target.limits)
      observeRiskUse(rules, target.risk.snapshot(), target.limits, target.scope);
    if (target.killSwitch) {
      const k = target.killSwitch.state();
      rules.observeKillSwitch({ scope: target.killSwitch.scope, engaged: k.halted, reason: k.why });
    }
    if (target.client && Number.isFinite(target.client.clockErrorMs))
      rules.observeClock({ offsetMs: target.client.clockOffsetMs, errorMs: target.client.clockErrorMs });
  };
  look();
  const timers = timersOf(clock);
  const h = timers.setInterval(look, opts.everyMs ?? 5_000, { unref: true });
  return () => {
    timers.clear(h);
    for (const f of off) f();
  };
}

/** Each configured limit's use from a risk snapshot: loss, drawdown (amount and percent), open orders. */
export function observeRiskUse(rules: AlertRules, s: RiskSnapshot, limits: RiskLimits, scope?: string): void {
  const use = (limit: string, used: number | undefined, max: string | number | undefined) => {
    if (max === undefined || used === undefined || !Number.isFinite(used)) return;
    rules.observeRisk({ limit, used, max: Number(max), ...(scope ? { scope } : {}) });
  };
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const loss = num(s.dailyPnl);
  use('maxDailyLoss', loss === undefined ? undefined : Math.max(0, -loss), limits.maxDailyLoss);
  use('maxDrawdown', num(s.drawdown), limits.maxDrawdown);
  use('maxDrawdownPct', num(s.drawdownPct), limits.maxDrawdownPct);
  use('maxOpenOrders', s.openOrders, limits.maxOpenOrders);
}
