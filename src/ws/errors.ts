import { errorInfo } from '../protocol/error-codes.js';
import { OkxkitError } from '../util/errors.js';
import type { ChannelArg } from './channels.js';

/** An error reported by, or about, an OKX WebSocket connection. `code` is the OKX WS code when there is one. */
export class OkxWsError extends OkxkitError {
  readonly endpoint: string;
  readonly connId: string | undefined;
  constructor(
    message: string,
    opts: { code: string; endpoint: string; hint?: string; connId?: string; cause?: unknown },
  ) {
    super(message, opts);
    this.endpoint = opts.endpoint;
    this.connId = opts.connId;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), endpoint: this.endpoint, connId: this.connId };
  }
}

/** Builds the message and hint of an OKX WS error code from the error table. */
function describe(code: string, msg: string | undefined): { message: string; hint: string } {
  const info = errorInfo(code);
  return { message: `OKX WS ${code}: ${msg || info.message}`, hint: info.hint };
}

/**
 * The login was refused for a reason a retry cannot fix (bad key, sign, passphrase, or a
 * timestamp still expired after re-syncing the clock). The connection stops for good: no
 * reconnect loop on bad credentials (STYLE, docs/OKX-PROTOCOL.md §2.2).
 */
export class OkxWsLoginError extends OkxWsError {
  constructor(code: string, msg: string | undefined, endpoint: string, connId?: string) {
    const d = describe(code, msg);
    super(d.message, { code, endpoint, hint: d.hint, connId });
  }
}

/** A subscribe/unsubscribe was refused (60018 wrong URL or channel, 60012, 64001...). */
export class OkxWsSubscribeError extends OkxWsError {
  readonly arg: ChannelArg | undefined;
  constructor(code: string, msg: string | undefined, endpoint: string, arg?: ChannelArg, connId?: string) {
    const d = describe(code, msg);
    super(d.message, { code, endpoint, hint: d.hint, connId });
    this.arg = arg;
  }
}

/**
 * No ack (nor error) for a subscribe within the ack timeout. The subscription is kept: it is sent
 * again after the next reconnect, or when `subscribe` is called again for the same channel.
 */
export class OkxWsSubscribeTimeoutError extends OkxWsError {
  readonly arg: ChannelArg;
  constructor(endpoint: string, arg: ChannelArg, timeoutMs: number) {
    super(`No ack for subscribe ${arg.channel}${arg.instId ? ` ${arg.instId}` : ''} within ${timeoutMs} ms`, {
      code: 'WS_SUBSCRIBE_TIMEOUT',
      endpoint,
      hint: 'The server did not answer; subscribe again, or wait for the reconnect, which re-sends it.',
    });
    this.arg = arg;
  }
}

/** An incoming message did not have the shape OKX documents; it was dropped, the connection lives on. */
export class OkxWsMessageError extends OkxWsError {
  readonly raw: string;
  constructor(problem: string, endpoint: string, raw: string) {
    super(`Unexpected WS message on ${endpoint}: ${problem}`, {
      code: 'WS_BAD_MESSAGE',
      endpoint,
      hint: 'The message was dropped; if this repeats, the server speaks a different protocol version.',
    });
    this.raw = raw.length > 300 ? `${raw.slice(0, 300)}...` : raw;
  }
}

/** The connection was closed by the caller (or gave up) while a request was waiting. */
export class OkxWsClosedError extends OkxWsError {
  constructor(endpoint: string, reason: string) {
    super(`WS connection to ${endpoint} closed: ${reason}`, {
      code: 'WS_CLOSED',
      endpoint,
      hint: 'Open the client again, or check the earlier error that stopped it.',
    });
  }
}

/** The per-connection budget of 480 subscribe/unsubscribe/login requests per hour is spent (docs/OKX-PROTOCOL.md §2.5). */
export class OkxWsRateLimitError extends OkxWsError {
  constructor(endpoint: string) {
    super(`More than 480 subscribe/unsubscribe/login requests in an hour on ${endpoint}`, {
      code: 'WS_OP_LIMIT',
      endpoint,
      hint: 'OKX allows 480 per connection per hour: subscribe once with many args instead of many small requests.',
    });
  }
}
