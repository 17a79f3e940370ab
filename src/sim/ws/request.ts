import type { Json } from './hub.js';

const WS_ID = /^[A-Za-z0-9]{1,32}$/;

/**
 * A client's text frame, parsed once (docs/OKX-PROTOCOL.md §2.2, §2.3, §2.6): `ping`, an op
 * request with its id, args and expTime, or something invalid (60012).
 */
export type WsRequest =
  | { kind: 'ping' }
  | { kind: 'invalid'; text: string; id: string | undefined }
  | { kind: 'op'; text: string; op: string; id: string | undefined; args: unknown; expTime: unknown };

/** The fields of a login request (empty when missing or not a string). */
export interface LoginArgs {
  apiKey: string;
  passphrase: string;
  timestamp: string;
  sign: string;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseRequest(text: string): WsRequest {
  if (text === 'ping') return { kind: 'ping' };
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { kind: 'invalid', text, id: undefined };
  }
  if (!isObject(msg)) return { kind: 'invalid', text, id: undefined };
  const id = typeof msg.id === 'string' ? msg.id : undefined;
  const op = msg.op;
  if (typeof op !== 'string' || (msg.id !== undefined && (id === undefined || !WS_ID.test(id)))) {
    return { kind: 'invalid', text, id };
  }
  return { kind: 'op', text, op, id, args: msg.args, expTime: msg.expTime };
}

/** A login's one arg, or undefined when `args` is not a one-object array. */
export function loginArgs(args: unknown): LoginArgs | undefined {
  if (!Array.isArray(args) || args.length !== 1 || !isObject(args[0])) return undefined;
  const a: Json = args[0];
  const str = (k: string): string => {
    const v = a[k];
    return typeof v === 'string' ? v : '';
  };
  return {
    apiKey: str('apiKey'),
    passphrase: str('passphrase'),
    timestamp: str('timestamp'),
    sign: str('sign'),
  };
}

/** A subscribe / unsubscribe's args: a non-empty array of objects with a string `channel`. */
export function channelArgs(args: unknown): Json[] | undefined {
  if (!Array.isArray(args) || args.length === 0) return undefined;
  const out: Json[] = [];
  for (const a of args) {
    if (!isObject(a) || typeof a.channel !== 'string') return undefined;
    out.push(a);
  }
  return out;
}

/** An order op's args: a non-empty array of objects. */
export function objectArgs(args: unknown): Json[] | undefined {
  if (!Array.isArray(args) || args.length === 0) return undefined;
  const out: Json[] = [];
  for (const a of args) {
    if (!isObject(a)) return undefined;
    out.push(a);
  }
  return out;
}

/** Whether an order op's id is valid (order ops require one). */
export function isWsId(id: unknown): id is string {
  return typeof id === 'string' && WS_ID.test(id);
}
