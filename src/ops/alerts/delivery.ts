import type { Alert, AlertSeverity, AlertSink } from '../../trading/alerts.js';
import { systemClock, sleepOn, timersOf, type Clock, type TimerHandle } from '../../util/clock.js';
import { ChannelError, type AlertChannel } from './channels.js';

/** What became of one alert on one channel. */
export interface DeliveryOutcome {
  channel: string;
  type: string;
  kind: string;
  ok: boolean;
  /** Sends made (1 = first try succeeded). */
  attempts: number;
  /** Why it failed (channel, status or network code; never a secret). */
  error?: string;
}

export interface DeliveryOptions {
  clock?: Clock;
  /** Extra tries after a retryable failure. Default 4. */
  retries?: number;
  /** First backoff (ms), doubled per try up to maxBackoffMs; a service's Retry-After wins when longer. Default 1000. */
  backoffMs?: number;
  /** Default 30 000. */
  maxBackoffMs?: number;
  /**
   * At most `max` alerts per `perMs` on this channel; the excess is held and sent as one summary
   * when the window frees (never dropped silently). Default 10 per 60 s.
   */
  rateLimit?: { max: number; perMs: number };
  /** Every final outcome (logs, metrics). */
  onOutcome?: (o: DeliveryOutcome) => void;
}

const RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };
const SUMMARY_LIST = 20;

/**
 * One channel behind the alert hub: retries with exponential backoff on the injected clock,
 * and a per-channel rate limit whose excess is summarised in one message.
 */
export class ChannelSink implements AlertSink {
  readonly name: string;
  readonly channel: AlertChannel;
  private readonly clock: Clock;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly limit: { max: number; perMs: number };
  private readonly onOutcome: (o: DeliveryOutcome) => void;
  private sent: number[] = [];
  private held: Alert[] = [];
  private heldTotal = 0;
  private summaryTimer: TimerHandle | undefined;

  constructor(channel: AlertChannel, opts: DeliveryOptions = {}) {
    this.channel = channel;
    this.name = channel.name;
    this.clock = opts.clock ?? systemClock;
    this.retries = opts.retries ?? 4;
    this.backoffMs = opts.backoffMs ?? 1_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.limit = opts.rateLimit ?? { max: 10, perMs: 60_000 };
    this.onOutcome = opts.onOutcome ?? (() => undefined);
  }

  /** Alerts held back by the rate limit, waiting for the summary. */
  get pendingSummary(): number {
    return this.heldTotal;
  }

  /** The hub's entry: rate limit, then deliver; throws the ChannelError when every try failed. */
  async send(alert: Alert): Promise<void> {
    if (!this.admit()) {
      this.hold(alert);
      return;
    }
    const o = await this.deliver(alert);
    if (!o.ok) throw new ChannelError(this.name, o.error ?? 'failed', false);
  }

  /** Delivers one alert now (no rate limit), with retries; never throws. */
  async deliver(alert: Alert): Promise<DeliveryOutcome> {
    const sleep = sleepOn(this.clock);
    let attempts = 0;
    let error: string | undefined;
    for (;;) {
      attempts++;
      try {
        await this.channel.send(alert);
        error = undefined;
        break;
      } catch (err) {
        // Only ChannelError text leaves a channel; anything else is reduced to its name.
        error = err instanceof ChannelError ? err.message : `alert channel ${this.name}: ${errName(err)}`;
        const retryable = err instanceof ChannelError ? err.retryable : false;
        if (!retryable || attempts > this.retries) break;
        const backoff = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempts - 1));
        const asked = err instanceof ChannelError ? (err.retryAfterMs ?? 0) : 0;
        await sleep(Math.min(this.maxBackoffMs, Math.max(backoff, asked)));
      }
    }
    const o: DeliveryOutcome = {
      channel: this.name,
      type: this.channel.type,
      kind: alert.kind,
      ok: error === undefined,
      attempts,
      ...(error !== undefined ? { error } : {}),
    };
    this.onOutcome(o);
    return o;
  }

  /** Sends the summary of held alerts now (on shutdown), clears timers, closes the channel. */
  async close(): Promise<void> {
    timersOf(this.clock).clear(this.summaryTimer);
    this.summaryTimer = undefined;
    if (this.heldTotal) await this.deliver(this.summary());
    await this.channel.close?.();
  }

  private admit(): boolean {
    const now = this.clock.now();
    this.sent = this.sent.filter((t) => now - t < this.limit.perMs);
    if (this.sent.length >= this.limit.max) return false;
    this.sent.push(now);
    return true;
  }

  private hold(alert: Alert): void {
    this.heldTotal++;
    if (this.held.length < SUMMARY_LIST) this.held.push(alert);
    this.armSummary();
  }

  /** The summary goes when the window has room again. */
  private armSummary(): void {
    if (this.summaryTimer) return;
    const now = this.clock.now();
    const wait = Math.max(0, (this.sent[0] ?? now) + this.limit.perMs - now);
    this.summaryTimer = timersOf(this.clock).setTimeout(
      () => {
        this.summaryTimer = undefined;
        if (!this.heldTotal) return;
        if (!this.admit()) return this.armSummary();
        void this.deliver(this.summary());
      },
      wait,
      { unref: true },
    );
  }

  /** One message standing for every held alert: counts per kind, the worst severity, the first ones listed. */
  private summary(): Alert {
    const held = this.held;
    const total = this.heldTotal;
    this.held = [];
    this.heldTotal = 0;
    const byKind = new Map<string, number>();
    for (const a of held) byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1);
    let severity: AlertSeverity = 'info';
    for (const a of held) if (RANK[a.severity] > RANK[severity]) severity = a.severity;
    const kinds = [...byKind].map(([k, n]) => `${n} x ${k}`).join(', ');
    return {
      kind: 'alerts-held',
      severity,
      message: `${total} alert${total === 1 ? '' : 's'} held back by the rate limit of channel ${this.name} (${this.limit.max} per ${Math.round(this.limit.perMs / 1000)} s): ${kinds}${total > held.length ? ', ...' : ''}`,
      details: {
        held: total,
        alerts: held.map((a) => ({ kind: a.kind, severity: a.severity, message: a.message, ts: a.ts })),
      },
      ts: this.clock.now(),
      suppressed: 0,
    };
  }
}

function errName(err: unknown): string {
  return err instanceof Error ? err.name : 'failed';
}
