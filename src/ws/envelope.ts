import type { ChannelArg } from './channels.js';

/**
 * The messages an OKX WebSocket sends, parsed once into typed shapes (docs/OKX-PROTOCOL.md §2.3,
 * §2.6): an event (`login`, `subscribe`, `unsubscribe`, `error`, `notice`,
 * `channel-conn-count-error`...), a reply to an order op (`id` + `op`), or a data push (`arg` +
 * `data`). Everything else is reported as a message error by the connection.
 */

/** A data push: `{"arg":{...},"data":[...]}`, plus `action`/seq fields on book channels (docs/OKX-PROTOCOL.md §2.3). */
export interface WsPush {
  arg: ChannelArg;
  data: unknown[];
  action?: string;
}

/** A reply to an order op (docs/OKX-PROTOCOL.md §2.6). */
export interface WsOpResponse {
  id: string;
  op: string;
  code: string;
  msg: string;
  data: unknown[];
  inTime?: string;
  outTime?: string;
}

/** An event message: its known fields typed, every field of the wire message kept. */
export interface WsEventMessage {
  event: string;
  /** The channel of a subscribe / unsubscribe ack. */
  arg?: ChannelArg;
  /** Request id echoed by acks and errors. */
  id?: string;
  code?: string;
  msg?: string;
  connId?: string;
  /** The private channel named by a channel-conn-count-error. */
  channel?: string;
  [field: string]: unknown;
}

export type WsInbound =
  | { kind: 'event'; event: WsEventMessage }
  | { kind: 'reply'; reply: WsOpResponse }
  | { kind: 'push'; push: WsPush }
  | { kind: 'other' };

/** Why a text is not a message at all. */
export type WsParseFailure = { kind: 'invalid'; why: 'not JSON' | 'not a JSON object' };

type Obj = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A channel arg as the exchange echoes it: an object with a string `channel`. */
export function channelArgOf(v: unknown): ChannelArg | undefined {
  if (!isObject(v) || typeof v.channel !== 'string') return undefined;
  const arg: ChannelArg = { channel: v.channel };
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') arg[k] = x;
  return arg;
}

/** Parses one text frame (not `pong`). */
export function parseInbound(raw: string): WsInbound | WsParseFailure {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return { kind: 'invalid', why: 'not JSON' };
  }
  if (!isObject(msg)) return { kind: 'invalid', why: 'not a JSON object' };
  return classify(msg);
}

function classify(msg: Obj): WsInbound {
  if (msg.event !== undefined) {
    const event: WsEventMessage = { ...msg, event: String(msg.event) };
    const arg = channelArgOf(msg.arg);
    if (arg) event.arg = arg;
    else delete event.arg;
    for (const k of ['id', 'code', 'msg', 'connId', 'channel'] as const) {
      const v = msg[k];
      if (v === undefined) continue;
      // codes arrive as strings; a number is read as its decimal text, like OKX's own SDKs do
      event[k] = typeof v === 'string' ? v : String(v as string | number);
    }
    return { kind: 'event', event };
  }
  const op = str(msg.op);
  const id = str(msg.id);
  if (op !== undefined && id !== undefined) {
    const reply: WsOpResponse = {
      id,
      op,
      code: msg.code === undefined ? '' : String(msg.code as string | number),
      msg: str(msg.msg) ?? '',
      data: Array.isArray(msg.data) ? msg.data : [],
    };
    const inTime = str(msg.inTime);
    const outTime = str(msg.outTime);
    if (inTime !== undefined) reply.inTime = inTime;
    if (outTime !== undefined) reply.outTime = outTime;
    return { kind: 'reply', reply };
  }
  const arg = channelArgOf(msg.arg);
  if (arg && Array.isArray(msg.data)) {
    const push: WsPush = { ...msg, arg, data: msg.data };
    return { kind: 'push', push };
  }
  return { kind: 'other' };
}
