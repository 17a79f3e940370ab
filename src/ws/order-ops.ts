import {
  apiErrorFor,
  OkxBatchError,
  OkxNetworkError,
  OkxTimeoutError,
  type ItemOutcome,
} from '../client/errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { ValidationError } from '../util/errors.js';
import type { WsConnection, WsOpResponse } from './connection.js';
import { OkxWsError } from './errors.js';

/** instId -> instIdCode (the integer of GET /public/instruments), as a map, a record or a function. */
export type InstrumentCodes =
  ReadonlyMap<string, number> | Readonly<Record<string, number>> | ((instId: string) => number | undefined);

/** An order placed over the WebSocket `order` op: the fields of POST /api/v5/trade/order, numbers as decimal strings. */
export interface WsOrderRequest {
  instId: string;
  tdMode: string;
  side: 'buy' | 'sell';
  ordType: string;
  sz: string;
  px?: string;
  clOrdId?: string;
  tag?: string;
  posSide?: string;
  reduceOnly?: boolean;
  tgtCcy?: string;
  banAmend?: boolean;
  stpMode?: string;
  [field: string]: unknown;
}

/** An order cancelled over the WebSocket `cancel-order` op: instrument and `ordId` or `clOrdId`. */
export interface WsCancelRequest {
  instId: string;
  ordId?: string;
  clOrdId?: string;
}

/** An order amended over the WebSocket `amend-order` op: the order and its new size and/or price. */
export interface WsAmendRequest {
  instId: string;
  ordId?: string;
  clOrdId?: string;
  reqId?: string;
  newSz?: string;
  newPx?: string;
  cxlOnFail?: boolean;
  [field: string]: unknown;
}

/** One item of an order op reply: {"clOrdId":"","ordId":"12345689","tag":"","ts":"1695190491421","sCode":"0","sMsg":""} */
export interface WsOrderResult extends ItemOutcome {
  ordId: string;
  clOrdId: string;
  ts?: string;
  tag?: string;
}

/** Options of one WebSocket order op: request id, `expTime` deadline (unix ms) and how long to wait for the answer (ms). */
export interface WsOpOptions {
  /** Request id: alphanumeric, at most 32 characters (docs/OKX-PROTOCOL.md §8). Generated when omitted. */
  id?: string;
  /** Deadline, unix ms: OKX drops the request when it arrives later (docs/OKX-PROTOCOL.md §9). */
  expTime?: number;
  timeoutMs?: number;
}

const ID_RE = /^[A-Za-z0-9]{1,32}$/;

/**
 * Order operations over the /private WebSocket (docs/OKX-PROTOCOL.md §2.6): order, batch-orders, cancel-order,
 * amend-order. Replies map to the same typed errors as REST; a timeout or a connection lost
 * before the reply is an ambiguous outcome (the order may exist): never resent here, reconcile
 * by clOrdId.
 */
export class WsTrading {
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  constructor(
    private readonly conn: () => WsConnection,
    private readonly opts: {
      timeoutMs: number;
      instruments?: InstrumentCodes;
      logger?: Logger;
    },
  ) {
    this.timeoutMs = opts.timeoutMs;
    this.logger = opts.logger ?? silentLogger;
  }

  async placeOrder(req: WsOrderRequest, o: WsOpOptions = {}): Promise<WsOrderResult> {
    const [r] = await this.single('order', req, o);
    return r!;
  }

  /** Up to 20 orders; per-item failures throw OkxBatchError carrying every item (docs/OKX-PROTOCOL.md §7.1). */
  async batchOrders(reqs: WsOrderRequest[], o: WsOpOptions = {}): Promise<WsOrderResult[]> {
    if (reqs.length === 0 || reqs.length > 20)
      throw new ValidationError('orders', `${reqs.length} orders in one batch`, 'send 1 to 20 orders');
    return this.op('batch-orders', reqs, o, true);
  }

  async cancelOrder(req: WsCancelRequest, o: WsOpOptions = {}): Promise<WsOrderResult> {
    if (!req.ordId && !req.clOrdId)
      throw new ValidationError('ordId', 'neither ordId nor clOrdId given', 'pass one of them');
    const [r] = await this.single('cancel-order', req, o);
    return r!;
  }

  async amendOrder(req: WsAmendRequest, o: WsOpOptions = {}): Promise<WsOrderResult> {
    if (!req.ordId && !req.clOrdId)
      throw new ValidationError('ordId', 'neither ordId nor clOrdId given', 'pass one of them');
    if (req.newSz === undefined && req.newPx === undefined)
      throw new ValidationError('newSz', 'nothing to amend', 'pass newSz and/or newPx');
    const [r] = await this.single('amend-order', req, o);
    return r!;
  }

  /** Up to 20 cancels in one op; per-item failures throw OkxBatchError carrying every item. */
  async cancelBatchOrders(reqs: WsCancelRequest[], o: WsOpOptions = {}): Promise<WsOrderResult[]> {
    if (reqs.length === 0 || reqs.length > 20)
      throw new ValidationError('orders', `${reqs.length} cancels in one batch`, 'send 1 to 20');
    reqs.forEach((r, i) => {
      if (!r.ordId && !r.clOrdId)
        throw new ValidationError(
          `orders[${i}].ordId`,
          'neither ordId nor clOrdId given',
          'pass one of them',
        );
    });
    return this.op('batch-cancel-orders', reqs, o, true);
  }

  /** Up to 20 amends in one op; per-item failures throw OkxBatchError carrying every item. */
  async amendBatchOrders(reqs: WsAmendRequest[], o: WsOpOptions = {}): Promise<WsOrderResult[]> {
    if (reqs.length === 0 || reqs.length > 20)
      throw new ValidationError('orders', `${reqs.length} amends in one batch`, 'send 1 to 20');
    reqs.forEach((r, i) => {
      if (!r.ordId && !r.clOrdId)
        throw new ValidationError(
          `orders[${i}].ordId`,
          'neither ordId nor clOrdId given',
          'pass one of them',
        );
      if (r.newSz === undefined && r.newPx === undefined)
        throw new ValidationError(`orders[${i}].newSz`, 'nothing to amend', 'pass newSz and/or newPx');
    });
    return this.op('batch-amend-orders', reqs, o, true);
  }

  /**
   * mass-cancel: cancels every pending order of an option family (OKX offers it for options
   * only), optionally locking new MMP orders for `lockInterval` ms. Resolves to OKX's result flag.
   */
  async massCancel(
    req: { instType: 'OPTION'; instFamily: string; lockInterval?: string },
    o: WsOpOptions = {},
  ): Promise<{ result: boolean }> {
    if (req?.instType !== 'OPTION')
      throw new ValidationError(
        'instType',
        `'${String(req?.instType)}' is not OPTION`,
        'mass cancel applies to options',
      );
    if (!req.instFamily) throw new ValidationError('instFamily', 'missing', "e.g. 'BTC-USD'");
    const items = (await this.raw('mass-cancel', [{ ...req }], o)) as unknown as Array<{ result?: unknown }>;
    return { result: items[0]?.result === true };
  }

  private single(op: string, req: { instId: string }, o: WsOpOptions): Promise<WsOrderResult[]> {
    return this.op(op, [req], o, false);
  }

  private withCode(arg: { instId: string }): Record<string, unknown> {
    if (typeof arg.instId !== 'string' || arg.instId === '')
      throw new ValidationError('instId', 'missing', 'pass the instrument id, e.g. BTC-USDT');
    const code = lookup(this.opts.instruments, arg.instId);
    // 2026: ops take instIdCode, which wins over instId when both are sent (docs/OKX-PROTOCOL.md §2.6).
    return code === undefined ? { ...arg } : { ...arg, instIdCode: code };
  }

  private op(
    op: string,
    reqs: Array<{ instId: string }>,
    o: WsOpOptions,
    batch: boolean,
  ): Promise<WsOrderResult[]> {
    return this.raw(
      op,
      reqs.map((r) => this.withCode(r)),
      o,
      batch,
    );
  }

  private async raw(
    op: string,
    args: Array<Record<string, unknown>>,
    o: WsOpOptions,
    batch = false,
  ): Promise<WsOrderResult[]> {
    const endpoint = `WS ${op}`;
    const conn = this.conn();
    const id = o.id ?? conn.newId();
    if (!ID_RE.test(id))
      throw new ValidationError(
        'id',
        `"${id}" is not 1-32 alphanumerics`,
        'use letters and digits only (docs/OKX-PROTOCOL.md §8)',
      );
    const extra: Record<string, string> = o.expTime === undefined ? {} : { expTime: String(o.expTime) };
    const timeoutMs = o.timeoutMs ?? this.timeoutMs;
    let resp: WsOpResponse;
    try {
      resp = await conn.request(op, args, extra, id, timeoutMs);
    } catch (err) {
      if (!(err instanceof OkxWsError)) throw err;
      if (err.code === 'WS_REPLY_TIMEOUT')
        throw new OkxTimeoutError(endpoint, timeoutMs, { ambiguous: true, cause: err });
      if (err.code === 'WS_NOT_SENT')
        throw new OkxNetworkError(endpoint, err.message, { ambiguous: false, cause: err });
      // Socket closed after sending: the request may have reached OKX.
      if (err.code === 'WS_CLOSED')
        throw new OkxNetworkError(endpoint, err.message, { ambiguous: true, cause: err });
      throw err; // a refused login and the like: nothing was sent
    }
    this.logger.debug({ op, id, code: resp.code }, 'ws order op reply');
    const items = (Array.isArray(resp.data) ? resp.data : []) as WsOrderResult[];
    const code = String(resp.code ?? '');
    if (code === '0') return items;
    if (batch && (code === '1' || code === '2')) {
      throw new OkxBatchError({ code, msg: resp.msg ?? '', httpStatus: 200, endpoint, items });
    }
    // Per-item failure: the item's sCode is the real reason (docs/OKX-PROTOCOL.md §7.1 "sCode/sMsg win").
    const failed = items.find((i) => i && typeof i.sCode === 'string' && i.sCode !== '0');
    if (failed)
      throw apiErrorFor({ code: failed.sCode, msg: failed.sMsg ?? '', httpStatus: 200, endpoint, items });
    throw apiErrorFor({ code, msg: resp.msg ?? '', httpStatus: 200, endpoint, items });
  }
}

function lookup(map: InstrumentCodes | undefined, instId: string): number | undefined {
  if (!map) return undefined;
  if (typeof map === 'function') return map(instId);
  if (map instanceof Map) return map.get(instId);
  return (map as Readonly<Record<string, number>>)[instId];
}
