import { request } from 'undici';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { maskKey } from '../util/logger.js';
import { OkxkitError, ValidationError, errorCode } from '../util/errors.js';

export type AlertSeverity = 'info' | 'warning' | 'critical';

export type AlertKind =
  | 'risk-trip'
  | 'kill-switch'
  | 'payload-mismatch'
  | 'order-unresolved'
  | 'auth-failure'
  | 'rate-limit-pressure'
  | 'error-rate'
  | 'dead-mans-switch'
  | (string & {});

export interface AlertInput {
  kind: AlertKind;
  severity?: AlertSeverity;
  message: string;
  details?: Record<string, unknown>;
  /** Alerts with the same key inside the de-duplication window are counted, not sent again. Default kind + message. */
  dedupKey?: string;
}

export interface Alert {
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
  details: Record<string, unknown>;
  /** ms since epoch */
  ts: number;
  /** How many identical alerts were suppressed since this key was last sent. */
  suppressed: number;
}

export interface AlertSink {
  readonly name: string;
  send(alert: Alert): Promise<void> | void;
}

const SECRET_KEY = /secret|passphrase|password|sign|token|authorization|cookie/i;

/** Copies details with secret-looking fields blanked and API keys masked: an alert never carries a secret. */
export function redactDetails(v: unknown, depth = 0): unknown {
  if (depth > 6) return '[truncated]';
  if (Array.isArray(v)) return v.map((x) => redactDetails(x, depth + 1));
  if (v instanceof Error) return { name: v.name, message: v.message, code: errorCode(v) };
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (SECRET_KEY.test(k)) out[k] = '[redacted]';
      else if (/^api-?key$/i.test(k) && typeof x === 'string') out[k] = maskKey(x);
      else out[k] = redactDetails(x, depth + 1);
    }
    return out;
  }
  return v;
}

/** One line per alert on a stream (stderr by default). */
export class ConsoleSink implements AlertSink {
  readonly name = 'console';
  constructor(private readonly out: { write(s: string): unknown } = process.stderr) {}
  send(a: Alert): void {
    const extra = a.suppressed ? ` (+${a.suppressed} suppressed)` : '';
    this.out.write(
      `[${new Date(a.ts).toISOString()}] ${a.severity.toUpperCase()} ${a.kind}: ${a.message}${extra} ${JSON.stringify(a.details)}\n`,
    );
  }
}

/** POSTs each alert as JSON to a URL (Slack/Discord-style relays, PagerDuty bridges, ...). */
export class WebhookSink implements AlertSink {
  readonly name = 'webhook';
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  constructor(opts: { url: string; timeoutMs?: number; headers?: Record<string, string> }) {
    try {
      this.url = new URL(opts.url);
    } catch {
      throw new ValidationError('webhook url', 'is not a valid URL', 'e.g. https://hooks.example.com/okxkit');
    }
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new ValidationError(
        'webhook url',
        `protocol ${this.url.protocol} is not supported`,
        'use http(s)',
      );
    }
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.headers = opts.headers ?? {};
  }
  async send(a: Alert): Promise<void> {
    const res = await request(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.headers },
      body: JSON.stringify(a),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await res.body.dump();
    if (res.statusCode >= 300)
      throw new OkxkitError(`webhook answered HTTP ${res.statusCode}`, {
        code: 'WEBHOOK_FAILED',
        hint: 'check the webhook URL and the service behind it',
      });
  }
}

export interface AlertsOptions {
  sinks?: AlertSink[];
  clock?: Clock;
  /** Same dedupKey within this window is counted, not re-sent. Default 60 s. */
  dedupWindowMs?: number;
  /** Error-rate spike: `threshold` errors within `windowMs` raise one alert. Default 20 in 60 s. */
  errorRate?: { windowMs: number; threshold: number };
  /** Called when a sink fails (a failing webhook must not take the bot down). */
  onSinkError?: (sink: string, err: unknown) => void;
}

/**
 * The alert hub (docs/REQUIREMENTS.md R21): risk trips, payload mismatches, auth failures, rate-limit pressure and
 * error-rate spikes go to every sink, de-duplicated, with secrets stripped.
 */
export class Alerts {
  protected readonly sinks: AlertSink[];
  private readonly clock: Clock;
  private readonly dedupWindowMs: number;
  private readonly errorWindow: { windowMs: number; threshold: number };
  private readonly lastSent = new Map<string, { at: number; suppressed: number }>();
  private errors: number[] = [];
  private readonly onSinkError: (sink: string, err: unknown) => void;
  /** Everything emitted (not suppressed), newest last; handy for dashboards and tests. */
  readonly history: Alert[] = [];

  constructor(opts: AlertsOptions = {}) {
    this.sinks = [...(opts.sinks ?? [])];
    this.clock = opts.clock ?? systemClock;
    this.dedupWindowMs = opts.dedupWindowMs ?? 60_000;
    this.errorWindow = opts.errorRate ?? { windowMs: 60_000, threshold: 20 };
    this.onSinkError =
      opts.onSinkError ??
      ((sink, err) =>
        process.stderr.write(
          `alert sink ${sink} failed: ${err instanceof Error ? err.message : String(err)}\n`,
        ));
  }

  addSink(sink: AlertSink): void {
    this.sinks.push(sink);
  }

  /** Sends an alert to every sink; resolves false when it was de-duplicated. Never throws. */
  async emit(input: AlertInput): Promise<boolean> {
    const now = this.clock.now();
    const key = input.dedupKey ?? `${input.kind}:${input.message}`;
    const prev = this.lastSent.get(key);
    if (prev && now - prev.at < this.dedupWindowMs) {
      prev.suppressed++;
      return false;
    }
    const alert: Alert = {
      kind: input.kind,
      severity: input.severity ?? 'warning',
      message: input.message,
      details: redactDetails(input.details ?? {}) as Record<string, unknown>,
      ts: now,
      suppressed: prev?.suppressed ?? 0,
    };
    this.lastSent.set(key, { at: now, suppressed: 0 });
    this.history.push(alert);
    if (this.history.length > 1000) this.history.splice(0, this.history.length - 1000);
    await Promise.all(
      this.sinks.map(async (s) => {
        try {
          await s.send(alert);
        } catch (err) {
          this.onSinkError(s.name, err);
        }
      }),
    );
    return true;
  }

  /** Plug into OkxClient's `onRateLimitPressure`: a rule above 80% of its budget. */
  readonly rateLimitPressure = (e: { endpoint: string; key: string; used: number; limit: number }): void => {
    void this.emit({
      kind: 'rate-limit-pressure',
      severity: 'warning',
      message: `rate limit of ${e.endpoint} at ${e.used}/${e.limit}`,
      details: { endpoint: e.endpoint, used: e.used, limit: e.limit },
      dedupKey: `rate-limit-pressure:${e.endpoint}`,
    });
  };

  /**
   * Feed every failed request here: auth failures (OKX 501xx, 60009 login) alert at once; all
   * errors count toward the error-rate spike window.
   */
  observeError(err: unknown, context: { endpoint?: string } = {}): void {
    const now = this.clock.now();
    this.errors.push(now);
    this.errors = this.errors.filter((t) => now - t < this.errorWindow.windowMs);
    const code = errorCode(err) ?? '';
    const name = err instanceof Error ? err.name : '';
    if (
      name === 'OkxAuthError' ||
      /^501(0[0-9]|1[0-9]|2[0-2])$/.test(code) ||
      code === '60009' ||
      code === '60024'
    ) {
      void this.emit({
        kind: 'auth-failure',
        severity: 'critical',
        message: `authentication failed (${code || name})`,
        details: {
          code,
          endpoint: context.endpoint ?? (err as { endpoint?: unknown })?.endpoint,
          message: err instanceof Error ? err.message : String(err),
        },
        dedupKey: `auth-failure:${code}`,
      });
    }
    if (this.errors.length >= this.errorWindow.threshold) {
      void this.emit({
        kind: 'error-rate',
        severity: 'warning',
        message: `${this.errors.length} errors in the last ${Math.round(this.errorWindow.windowMs / 1000)} s`,
        details: { errors: this.errors.length, windowMs: this.errorWindow.windowMs, lastCode: code },
        dedupKey: 'error-rate',
      });
    }
  }
}
