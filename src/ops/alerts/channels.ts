import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { request } from 'undici';
import { createTransport, type Transporter } from 'nodemailer';
import type { Alert } from '../../trading/alerts.js';
import { OkxkitError, ValidationError } from '../../util/errors.js';

/**
 * The alert channels (docs/REQUIREMENTS.md R21): each turns one alert into one message on one
 * service. They hold their secrets (tokens, webhook URLs, passwords) privately and never put one
 * in an error: a failure says which channel, the HTTP status or a network error code, nothing else.
 */
export interface AlertChannel {
  /** The channel's name from the config (`ops-webhook`, `slack`...). */
  readonly name: string;
  /** Service type: webhook, slack, telegram, discord, email. */
  readonly type: string;
  /** Delivers one alert; throws ChannelError on failure. */
  send(alert: Alert): Promise<void>;
  /** Closes connections (SMTP pool); optional. */
  close?(): Promise<void> | void;
}

/** A channel failed to deliver. `retryable`: a network error, HTTP 429 or 5xx (worth another try). */
export class ChannelError extends OkxkitError {
  readonly channel: string;
  readonly retryable: boolean;
  /** Seconds the service asked to wait (HTTP 429 Retry-After), when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(channel: string, problem: string, retryable: boolean, retryAfterMs?: number) {
    super(`alert channel ${channel}: ${problem}`, {
      code: 'ALERT_CHANNEL_FAILED',
      hint: retryable
        ? 'The service was unreachable or busy; it is retried with backoff.'
        : 'Check the channel settings (URL, token, chat id, recipients) in the alerts config.',
    });
    this.channel = channel;
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
  }
}

/** A stable id of an alert: the same alert gives the same id on every retry (receivers de-duplicate on it). */
export function alertId(a: Alert): string {
  return createHash('sha256').update(`${a.kind}\n${a.ts}\n${a.message}`).digest('hex').slice(0, 24);
}

/** One line of text for chat services. */
export function alertText(a: Alert): string {
  const extra = a.suppressed ? ` (+${a.suppressed} similar suppressed)` : '';
  const details = Object.keys(a.details).length ? `\n${JSON.stringify(a.details)}` : '';
  return `[${a.severity.toUpperCase()}] ${a.kind}: ${a.message}${extra}\n${new Date(a.ts).toISOString()}${details}`;
}

function checkUrl(field: string, url: string, example: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // The URL itself may be the secret (Slack, Discord): never quote it.
    throw new ValidationError(field, 'is not a valid URL', `e.g. ${example}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ValidationError(
      field,
      `protocol ${u.protocol} is not supported`,
      'use https (http for a local receiver)',
    );
  return u;
}

/** The error code of a network failure, without its message (which may quote the URL). */
function networkCode(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_0-9]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  if (err instanceof Error && err.name === 'TimeoutError') return 'timeout';
  return 'network error';
}

interface PostResult {
  status: number;
  body: string;
  retryAfter: string | undefined;
}

async function post(
  channel: string,
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<PostResult> {
  let res;
  try {
    res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new ChannelError(channel, `could not reach the service (${networkCode(err)})`, true);
  }
  const text = await res.body.text().catch(() => '');
  const ra = res.headers['retry-after'];
  return { status: res.statusCode, body: text, retryAfter: Array.isArray(ra) ? ra[0] : ra };
}

function checkStatus(channel: string, r: PostResult): void {
  if (r.status >= 200 && r.status < 300) return;
  const retryable = r.status === 429 || r.status >= 500;
  const after = r.retryAfter !== undefined ? Number(r.retryAfter) * 1000 : undefined;
  throw new ChannelError(
    channel,
    `the service answered HTTP ${r.status}`,
    retryable,
    after !== undefined && Number.isFinite(after) ? after : undefined,
  );
}

/** Header carrying the signature of a webhook alert: `sha256=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'x-okxkit-signature';
/** Header carrying the ms timestamp that is part of the signed bytes. */
export const TIMESTAMP_HEADER = 'x-okxkit-timestamp';
/** Header carrying the alert id (the same on every retry of one alert). */
export const ALERT_ID_HEADER = 'x-okxkit-alert-id';

/**
 * The signature a webhook alert carries: HMAC-SHA256 under the shared secret of
 * `<timestamp>.<body>` (the timestamp header, a dot, the exact body bytes), hex, prefixed `sha256=`.
 * Signing the timestamp lets a receiver refuse replays: reject a timestamp older than a few minutes.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Checks a received webhook alert: the signature matches `<timestamp>.<body>` under the secret and
 * the timestamp is within `toleranceMs` of `nowMs` (default 5 minutes). For receivers.
 */
export function verifyWebhook(opts: {
  secret: string;
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
  nowMs: number;
  toleranceMs?: number;
}): { ok: true } | { ok: false; reason: string } {
  if (!opts.signature || !opts.timestamp)
    return { ok: false, reason: 'missing signature or timestamp header' };
  const ts = Number(opts.timestamp);
  if (!Number.isFinite(ts)) return { ok: false, reason: 'timestamp is not a number' };
  if (Math.abs(opts.nowMs - ts) > (opts.toleranceMs ?? 300_000))
    return { ok: false, reason: 'timestamp outside the tolerance (a replay?)' };
  const want = Buffer.from(signWebhook(opts.secret, opts.timestamp, opts.body));
  const got = Buffer.from(opts.signature);
  if (want.length !== got.length || !timingSafeEqual(want, got))
    return { ok: false, reason: 'bad signature' };
  return { ok: true };
}

/** A generic webhook: the alert as JSON, signed with HMAC-SHA256 (see signWebhook). */
export class SignedWebhookChannel implements AlertChannel {
  readonly type = 'webhook';
  readonly name: string;
  readonly #url: URL;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  constructor(opts: { name: string; url: string; secret: string; timeoutMs?: number; now?: () => number }) {
    this.name = opts.name;
    this.#url = checkUrl(`alerts.channels.${opts.name}.url`, opts.url, 'https://hooks.example.com/okxkit');
    if (!opts.secret)
      throw new ValidationError(`alerts.channels.${opts.name}.secret`, 'is empty', 'give the HMAC secret');
    this.#secret = opts.secret;
    this.#timeoutMs = opts.timeoutMs ?? 5_000;
    this.#now = opts.now ?? Date.now;
  }
  async send(a: Alert): Promise<void> {
    const body = JSON.stringify({ id: alertId(a), ...a });
    const ts = String(this.#now());
    const r = await post(
      this.name,
      this.#url,
      body,
      {
        [TIMESTAMP_HEADER]: ts,
        [SIGNATURE_HEADER]: signWebhook(this.#secret, ts, body),
        [ALERT_ID_HEADER]: alertId(a),
      },
      this.#timeoutMs,
    );
    checkStatus(this.name, r);
  }
  toString(): string {
    return `SignedWebhookChannel(${this.name})`;
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, name: this.name };
  }
}

/** A channel that POSTs one JSON body to a URL that is itself the secret (Slack, Discord). */
abstract class SecretUrlChannel implements AlertChannel {
  abstract readonly type: string;
  readonly name: string;
  readonly #url: URL;
  readonly #timeoutMs: number;
  constructor(opts: { name: string; url: string; timeoutMs?: number }, example: string) {
    this.name = opts.name;
    this.#url = checkUrl(`alerts.channels.${opts.name}.url`, opts.url, example);
    this.#timeoutMs = opts.timeoutMs ?? 5_000;
  }
  protected abstract body(a: Alert): unknown;
  async send(a: Alert): Promise<void> {
    checkStatus(
      this.name,
      await post(this.name, this.#url, JSON.stringify(this.body(a)), {}, this.#timeoutMs),
    );
  }
  toString(): string {
    return `${this.constructor.name}(${this.name})`;
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, name: this.name };
  }
}

/** Slack incoming webhook: `{ text }`. The URL is the secret. */
export class SlackChannel extends SecretUrlChannel {
  readonly type = 'slack';
  constructor(opts: { name: string; url: string; timeoutMs?: number }) {
    super(opts, 'https://hooks.slack.com/services/...');
  }
  protected body(a: Alert): unknown {
    return { text: alertText(a) };
  }
}

/** Discord webhook: `{ content }` (at most 2000 characters). The URL is the secret. */
export class DiscordChannel extends SecretUrlChannel {
  readonly type = 'discord';
  constructor(opts: { name: string; url: string; timeoutMs?: number }) {
    super(opts, 'https://discord.com/api/webhooks/...');
  }
  protected body(a: Alert): unknown {
    return { content: alertText(a).slice(0, 2000) };
  }
}

/**
 * Telegram Bot API `sendMessage` (`<apiUrl>/bot<token>/sendMessage`, `{ chat_id, text }`); the
 * answer is `{ ok: true }` on success. `apiUrl` defaults to https://api.telegram.org.
 */
export class TelegramChannel implements AlertChannel {
  readonly type = 'telegram';
  readonly name: string;
  readonly #url: URL;
  readonly #chatId: string;
  readonly #timeoutMs: number;
  constructor(opts: { name: string; token: string; chatId: string; apiUrl?: string; timeoutMs?: number }) {
    this.name = opts.name;
    const base = checkUrl(
      `alerts.channels.${opts.name}.apiUrl`,
      opts.apiUrl ?? 'https://api.telegram.org',
      'https://api.telegram.org',
    );
    if (!/^[A-Za-z0-9:_-]+$/.test(opts.token))
      throw new ValidationError(
        `alerts.channels.${opts.name}.token`,
        'is not a Telegram bot token',
        'use the token @BotFather gave (digits, a colon, letters)',
      );
    this.#url = new URL(`${base.href.replace(/\/$/, '')}/bot${opts.token}/sendMessage`);
    this.#chatId = opts.chatId;
    this.#timeoutMs = opts.timeoutMs ?? 5_000;
  }
  async send(a: Alert): Promise<void> {
    const r = await post(
      this.name,
      this.#url,
      JSON.stringify({ chat_id: this.#chatId, text: alertText(a).slice(0, 4096) }),
      {},
      this.#timeoutMs,
    );
    checkStatus(this.name, r);
    let ok = false;
    try {
      ok = (JSON.parse(r.body) as { ok?: unknown }).ok === true;
    } catch {
      ok = false;
    }
    if (!ok) throw new ChannelError(this.name, 'the Bot API did not answer ok: true', false);
  }
  toString(): string {
    return `TelegramChannel(${this.name})`;
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, name: this.name };
  }
}

/** Settings of an e-mail channel: the SMTP server, its login (password from the vault or `*_FILE`), sender and recipients. */
export interface EmailChannelOptions {
  name: string;
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  /** Refuse to send without STARTTLS (default true unless the host is loopback). */
  requireTls?: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
  timeoutMs?: number;
}

/** Email over SMTP (nodemailer): subject `[okxkit] SEVERITY kind`, the alert as text. */
export class EmailChannel implements AlertChannel {
  readonly type = 'email';
  readonly name: string;
  readonly #transport: Transporter;
  readonly #from: string;
  readonly #to: string[];
  constructor(opts: EmailChannelOptions) {
    this.name = opts.name;
    if (opts.to.length === 0)
      throw new ValidationError(`alerts.channels.${opts.name}.to`, 'is empty', 'list at least one recipient');
    const loopback = /^(127\.|localhost$|::1$)/.test(opts.host);
    const t = opts.timeoutMs ?? 10_000;
    this.#transport = createTransport({
      host: opts.host,
      port: opts.port,
      secure: opts.secure ?? false,
      requireTLS: opts.requireTls ?? !loopback,
      ignoreTLS: loopback && opts.requireTls !== true && !opts.secure,
      ...(opts.user ? { auth: { user: opts.user, pass: opts.password ?? '' } } : {}),
      connectionTimeout: t,
      greetingTimeout: t,
      socketTimeout: t,
      logger: false,
      debug: false,
    });
    this.#from = opts.from;
    this.#to = opts.to;
  }
  async send(a: Alert): Promise<void> {
    try {
      await this.#transport.sendMail({
        from: this.#from,
        to: this.#to,
        subject: `[okxkit] ${a.severity.toUpperCase()} ${a.kind}: ${a.message}`.slice(0, 200),
        text: alertText(a),
        headers: { 'X-Okxkit-Alert-Id': alertId(a) },
      });
    } catch (err) {
      const e = err as { responseCode?: unknown; code?: unknown };
      const rc = typeof e.responseCode === 'number' ? e.responseCode : undefined;
      // SMTP 4xx is temporary, 5xx permanent; a network error is worth another try.
      const retryable = rc === undefined ? e.code !== 'EAUTH' : rc < 500;
      const what =
        rc !== undefined
          ? `the SMTP server answered ${rc}`
          : e.code === 'EAUTH'
            ? 'SMTP authentication failed'
            : `could not reach the SMTP server (${networkCode(err)})`;
      throw new ChannelError(this.name, what, retryable);
    }
  }
  close(): void {
    this.#transport.close();
  }
  toString(): string {
    return `EmailChannel(${this.name})`;
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, name: this.name };
  }
}
