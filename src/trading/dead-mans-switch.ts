import type { Clock, Sleep } from '../util/clock.js';
import { sleepOn, systemClock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import type { AlertInput } from './alerts.js';

/** At most this many tag-level cancel-all-after timers may be live per account; one more is 51071 (docs/OKX-PROTOCOL.md §7.4). */
export const MAX_TAG_SWITCHES = 20;

/** The one endpoint the switch needs: OkxClient.trade satisfies it. */
export interface CancelAllAfterApi {
  cancelAllAfter(p: { timeOut: string; tag?: string }): Promise<unknown>;
}

/** Options of `DeadMansSwitch`: the cancel-all-after API, the timeout (seconds) and heartbeat period (ms). */
export interface DeadMansSwitchOptions {
  api: CancelAllAfterApi;
  /** Seconds until the exchange cancels everything without a heartbeat: 10..120 (docs/OKX-PROTOCOL.md §7.4). Default 60. */
  timeOutSec?: number;
  /** Heartbeat period (ms). At least 1000 (the endpoint allows 1 request/s per user and tag). Default 5000. */
  heartbeatMs?: number;
  /** Tag-level switch: only orders with this tag are cancelled. Account level when omitted. */
  tag?: string;
  clock?: Clock;
  sleep?: Sleep;
  alerts?: { emit(a: AlertInput): unknown };
}

/**
 * Keeps OKX's cancel-all-after armed while trading runs (docs/REQUIREMENTS.md R23): if the process dies or loses the
 * network, the exchange cancels its orders after `timeOutSec`. Disarmed with timeOut "0" on a
 * clean stop.
 */
export class DeadMansSwitch {
  private readonly api: CancelAllAfterApi;
  readonly timeOutSec: number;
  readonly heartbeatMs: number;
  private readonly tag: string | undefined;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly alerts: DeadMansSwitchOptions['alerts'];
  private abort: AbortController | undefined;
  private lastRequestMs = -Infinity;
  private loop: Promise<void> | undefined;
  /** ms of the last heartbeat the exchange acknowledged. */
  lastBeatMs = 0;
  beats = 0;
  failures = 0;

  constructor(opts: DeadMansSwitchOptions) {
    const t = opts.timeOutSec ?? 60;
    if (!Number.isInteger(t) || t < 10 || t > 120) {
      throw new ValidationError(
        'timeOutSec',
        `${t} is outside 10..120`,
        'OKX accepts 10 to 120 seconds (0 disarms)',
      );
    }
    const hb = opts.heartbeatMs ?? 5_000;
    if (hb < 1_000)
      throw new ValidationError('heartbeatMs', `${hb} ms is faster than 1 request/s`, 'use at least 1000');
    if (hb * 2 > t * 1_000) {
      throw new ValidationError(
        'heartbeatMs',
        `${hb} ms leaves less than two beats per ${t} s timeout`,
        'beat at most every timeOutSec/2',
      );
    }
    if (opts.tag !== undefined && !/^[A-Za-z0-9]{1,16}$/.test(opts.tag)) {
      throw new ValidationError(
        'tag',
        'must be 1-16 alphanumerics',
        'or omit it for the account-level switch',
      );
    }
    this.api = opts.api;
    this.timeOutSec = t;
    this.heartbeatMs = hb;
    this.tag = opts.tag;
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? sleepOn(this.clock);
    this.alerts = opts.alerts;
  }

  get armed(): boolean {
    return this.loop !== undefined;
  }

  /** Every request goes through here: at most one per second per user and tag (docs/OKX-PROTOCOL.md §5). */
  private async call(timeOut: string, signal?: AbortSignal): Promise<void> {
    const gap = this.lastRequestMs + 1_000 - this.clock.now();
    if (gap > 0) await this.sleep(gap, signal);
    this.lastRequestMs = this.clock.now();
    await this.api.cancelAllAfter(this.params(timeOut));
  }

  private params(timeOut: string): { timeOut: string; tag?: string } {
    // Only send tag when asked: a tag turns the account-level switch into a tag-level one.
    return this.tag === undefined ? { timeOut } : { timeOut, tag: this.tag };
  }

  private async beat(): Promise<void> {
    try {
      await this.call(String(this.timeOutSec));
      this.lastBeatMs = this.clock.now();
      this.beats++;
    } catch (err) {
      this.failures++;
      const sinceMs = this.lastBeatMs ? this.clock.now() - this.lastBeatMs : 0;
      void this.alerts?.emit({
        kind: 'dead-mans-switch',
        severity: sinceMs > (this.timeOutSec * 1000) / 2 ? 'critical' : 'warning',
        message: 'cancel-all-after heartbeat failed',
        details: {
          sinceLastBeatMs: sinceMs,
          timeOutSec: this.timeOutSec,
          error: err instanceof Error ? err.message : String(err),
        },
        dedupKey: 'dead-mans-switch:heartbeat',
      });
    }
  }

  /**
   * A call whose refusal says "try again" (a 429 when several bots share the key's 1 request/s, a
   * 5xx) is retried up to 5 times, a second apart (call() spaces them); any other error, or the
   * last one, is thrown.
   */
  private async callRetrying(timeOut: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.call(timeOut);
        return;
      } catch (err) {
        const retryable = (err as { retryable?: unknown } | null)?.retryable === true;
        if (!retryable || attempt >= 5) throw err;
      }
    }
  }

  /**
   * Arms the switch and keeps it armed in the background. The first arm is retried like the
   * disarm (callRetrying); it throws only when it cannot arm, so a bot never trades unarmed.
   */
  async start(): Promise<void> {
    if (this.loop) return;
    await this.callRetrying(String(this.timeOutSec));
    this.lastBeatMs = this.clock.now();
    this.beats++;
    const ac = new AbortController();
    this.abort = ac;
    this.loop = (async () => {
      while (!ac.signal.aborted) {
        try {
          await this.sleep(this.heartbeatMs, ac.signal);
        } catch {
          break;
        }
        if (ac.signal.aborted) break;
        await this.beat();
      }
    })();
  }

  /** Stops heartbeats without disarming: the exchange cancels after timeOutSec (what a crash looks like). */
  async halt(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** Clean stop: heartbeats end and the switch is disarmed (timeOut "0"), retried like the arm (callRetrying). */
  async stop(): Promise<void> {
    await this.halt();
    await this.callRetrying('0');
  }
}
