import { CL_ORD_ID_PATTERN, TAG_PATTERN } from '../../protocol/cl-ord-id.js';
import {
  amendResultSchema,
  cancelAllAfterSchema,
  cancelResultSchema,
  fillSchema,
  orderSchema,
  placeResultSchema,
  type AmendResult,
  type CancelAllAfterResult,
  type CancelResult,
  type Fill,
  type Order,
  type PlaceResult,
} from '../../protocol/schemas/trade.js';
import { ValidationError } from '../../util/errors.js';
import type { RestCaller } from '../caller.js';
import { checkDecimal, checkInstId, requireOne } from '../validate.js';

const onePlace = placeResultSchema.array().min(1);
const placeArray = placeResultSchema.array();
const oneCancel = cancelResultSchema.array().min(1);
const cancelArray = cancelResultSchema.array();
const oneAmend = amendResultSchema.array().min(1);
const amendArray = amendResultSchema.array();
const oneOrder = orderSchema.array().min(1);
const orderArray = orderSchema.array();
const fillArray = fillSchema.array();
const oneCaa = cancelAllAfterSchema.array().min(1);

/** POST /api/v5/trade/order body (docs/OKX-PROTOCOL.md §7.4). Only the fields given are sent: nothing is added. */
export interface PlaceOrderRequest {
  instId: string;
  tdMode: 'cash' | 'cross' | 'isolated' | 'spot_isolated';
  side: 'buy' | 'sell';
  ordType:
    'market' | 'limit' | 'post_only' | 'fok' | 'ioc' | 'optimal_limit_ioc' | 'mmp' | 'mmp_and_post_only';
  sz: string;
  px?: string;
  clOrdId?: string;
  tag?: string;
  posSide?: 'long' | 'short' | 'net';
  ccy?: string;
  reduceOnly?: boolean;
  tgtCcy?: 'base_ccy' | 'quote_ccy';
  banAmend?: boolean;
  stpMode?: 'cancel_maker' | 'cancel_taker' | 'cancel_both';
  pxAmendType?: '0' | '1';
  tradeQuoteCcy?: string;
  attachAlgoOrds?: Record<string, unknown>[];
}

/** Names one order through the Exchange port: its instrument and its `ordId` or `clOrdId`. */
export interface OrderRef {
  instId: string;
  ordId?: string;
  clOrdId?: string;
}

/** Body of POST /api/v5/trade/amend-order: the order, and its new size and/or price (decimal strings). */
export interface AmendOrderRequest extends OrderRef {
  newSz?: string;
  newPx?: string;
  cxlOnFail?: boolean;
  reqId?: string;
  pxAmendType?: '0' | '1';
}

/** Options of a REST write (place, cancel, amend): an `expTime` deadline after which OKX drops the request. */
export interface WriteOptions {
  /** Absolute server-time deadline, unix ms (client.serverNow() + X): OKX drops the request after it (docs/OKX-PROTOCOL.md §9). */
  expTime?: number;
}

/** Query of GET /api/v5/trade/orders-pending (open orders): filters and `after`/`before` paging by order id. */
export interface OrdersPendingParams {
  instType?: string;
  instFamily?: string;
  instId?: string;
  ordType?: string;
  state?: 'live' | 'partially_filled';
  after?: string;
  before?: string;
  limit?: number;
}

/** Query of GET /api/v5/trade/orders-history (last 7 days of finished orders): type, filters and paging. */
export interface OrdersHistoryParams {
  instType: 'SPOT' | 'MARGIN' | 'SWAP' | 'FUTURES' | 'OPTION';
  instFamily?: string;
  instId?: string;
  ordType?: string;
  state?: 'canceled' | 'filled' | 'mmp_canceled';
  category?: string;
  after?: string;
  before?: string;
  begin?: string | number;
  end?: string | number;
  limit?: number;
}

/** Query of GET /api/v5/trade/fills (recent trade fills): filters and `after`/`before` paging by bill id. */
export interface FillsParams {
  instType?: string;
  instFamily?: string;
  instId?: string;
  ordId?: string;
  subType?: string;
  after?: string;
  before?: string;
  begin?: string | number;
  end?: string | number;
  limit?: number;
}

const PX_REQUIRED = new Set(['limit', 'post_only', 'fok', 'ioc', 'mmp', 'mmp_and_post_only']);

function checkPlace(o: PlaceOrderRequest, at: string): void {
  checkInstId(o.instId, `${at}.instId`);
  if (o.side !== 'buy' && o.side !== 'sell')
    throw new ValidationError(`${at}.side`, `'${String(o.side)}' is not buy or sell`);
  if (!o.tdMode)
    throw new ValidationError(`${at}.tdMode`, 'is required', "use 'cash' for spot without margin");
  if (!o.ordType)
    throw new ValidationError(`${at}.ordType`, 'is required', 'e.g. limit, market, post_only, ioc, fok');
  checkDecimal(o.sz, `${at}.sz`);
  if (PX_REQUIRED.has(o.ordType)) {
    if (o.px === undefined) throw new ValidationError(`${at}.px`, `is required for ${o.ordType} orders`);
    checkDecimal(o.px, `${at}.px`);
  } else if (o.px !== undefined) checkDecimal(o.px, `${at}.px`);
  if (o.clOrdId !== undefined && !CL_ORD_ID_PATTERN.test(o.clOrdId)) {
    throw new ValidationError(`${at}.clOrdId`, 'must be 1-32 letters or digits (no - or _)');
  }
  if (o.tag !== undefined && !TAG_PATTERN.test(o.tag))
    throw new ValidationError(`${at}.tag`, 'must be 1-16 letters or digits');
}

function checkRef(r: OrderRef, at: string): void {
  checkInstId(r.instId, `${at}.instId`);
  requireOne(r, at);
}

function checkBatch(items: unknown[], what: string): void {
  if (!Array.isArray(items) || items.length === 0) throw new ValidationError(what, 'needs at least one item');
  if (items.length > 20)
    throw new ValidationError(
      what,
      `${items.length} items; OKX takes at most 20 per batch`,
      'split the batch',
    );
}

/**
 * Order book trading (trade/*). Single calls throw the item's own error (sCode) when refused;
 * batch calls throw OkxBatchError carrying every item when any failed. An accepted cancel or
 * amend (sCode "0") is accepted, not yet done: confirm with getOrder or the orders channel.
 */
export class TradeApi {
  constructor(private readonly c: RestCaller) {}

  async placeOrder(req: PlaceOrderRequest, opts: WriteOptions = {}): Promise<PlaceResult> {
    checkPlace(req, 'order');
    const data = await this.c.call('trade.order', { body: req, expTime: opts.expTime }, onePlace, 'item');
    return data[0]!;
  }

  batchOrders(reqs: PlaceOrderRequest[], opts: WriteOptions = {}): Promise<PlaceResult[]> {
    checkBatch(reqs, 'orders');
    reqs.forEach((r, i) => checkPlace(r, `orders[${i}]`));
    return this.c.call('trade.batchOrders', { body: reqs, expTime: opts.expTime }, placeArray, 'batch');
  }

  async cancelOrder(ref: OrderRef): Promise<CancelResult> {
    checkRef(ref, 'order');
    const data = await this.c.call('trade.cancelOrder', { body: ref }, oneCancel, 'item');
    return data[0]!;
  }

  cancelBatchOrders(refs: OrderRef[]): Promise<CancelResult[]> {
    checkBatch(refs, 'orders');
    refs.forEach((r, i) => checkRef(r, `orders[${i}]`));
    return this.c.call('trade.cancelBatchOrders', { body: refs }, cancelArray, 'batch');
  }

  async amendOrder(req: AmendOrderRequest, opts: WriteOptions = {}): Promise<AmendResult> {
    checkAmend(req, 'order');
    const data = await this.c.call(
      'trade.amendOrder',
      { body: req, expTime: opts.expTime },
      oneAmend,
      'item',
    );
    return data[0]!;
  }

  amendBatchOrders(reqs: AmendOrderRequest[], opts: WriteOptions = {}): Promise<AmendResult[]> {
    checkBatch(reqs, 'orders');
    reqs.forEach((r, i) => checkAmend(r, `orders[${i}]`));
    return this.c.call('trade.amendBatchOrders', { body: reqs, expTime: opts.expTime }, amendArray, 'batch');
  }

  /** One order by ordId or clOrdId (the latest with that clOrdId); unknown -> OkxNotFoundError 51603. */
  async getOrder(ref: OrderRef): Promise<Order> {
    checkRef(ref, 'order');
    const data = await this.c.call(
      'trade.getOrder',
      { query: { instId: ref.instId, ordId: ref.ordId, clOrdId: ref.clOrdId } },
      oneOrder,
      'item',
    );
    return data[0]!;
  }

  ordersPending(params: OrdersPendingParams = {}): Promise<Order[]> {
    return this.c.call('trade.ordersPending', { query: { ...params } }, orderArray);
  }

  ordersHistory(params: OrdersHistoryParams): Promise<Order[]> {
    if (!params?.instType)
      throw new ValidationError('instType', 'is required for order history', "e.g. 'SPOT'");
    return this.c.call('trade.ordersHistory', { query: { ...params } }, orderArray);
  }

  fills(params: FillsParams = {}): Promise<Fill[]> {
    return this.c.call('trade.fills', { query: { ...params } }, fillArray);
  }

  /**
   * Dead man's switch: cancel all pending orders after timeOut seconds ("0" disables, else
   * 10..120). Sent without a tag unless one is given: with a tag only that tag's orders are
   * canceled (docs/OKX-PROTOCOL.md §7.4).
   */
  async cancelAllAfter(req: { timeOut: string; tag?: string }): Promise<CancelAllAfterResult> {
    const t = Number(req?.timeOut);
    if (typeof req?.timeOut !== 'string' || !/^\d+$/.test(req.timeOut) || (t !== 0 && (t < 10 || t > 120))) {
      throw new ValidationError('timeOut', `'${String(req?.timeOut)}' is not "0" or 10..120 seconds`);
    }
    if (req.tag !== undefined && !TAG_PATTERN.test(req.tag))
      throw new ValidationError('tag', 'must be 1-16 letters or digits');
    const body = req.tag === undefined ? { timeOut: req.timeOut } : { timeOut: req.timeOut, tag: req.tag };
    const data = await this.c.call('trade.cancelAllAfter', { body }, oneCaa);
    return data[0]!;
  }
}

function checkAmend(r: AmendOrderRequest, at: string): void {
  checkRef(r, at);
  if (r.newSz === undefined && r.newPx === undefined)
    throw new ValidationError(`${at}.newSz`, 'newSz or newPx is required');
  if (r.newSz !== undefined) checkDecimal(r.newSz, `${at}.newSz`);
  if (r.newPx !== undefined) checkDecimal(r.newPx, `${at}.newPx`);
}
