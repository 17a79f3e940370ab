import { ExchangeDecimal as Decimal } from '../../util/decimal.js';

export type Side = 'buy' | 'sell';
export type OrdType = 'market' | 'limit' | 'post_only' | 'fok' | 'ioc';
export type OrdState = 'live' | 'partially_filled' | 'filled' | 'canceled';

/** A user's order inside the engine. Money is Decimal; the wire form comes from `orderToOkx`. */
export interface SimOrder {
  account: string;
  ordId: string;
  clOrdId: string;
  tag: string;
  instId: string;
  baseCcy: string;
  quoteCcy: string;
  side: Side;
  ordType: OrdType;
  /** null for market orders */
  px: Decimal | null;
  /** In base currency, or quote currency for a market order with tgtCcy quote_ccy. */
  sz: Decimal;
  tgtCcy: '' | 'base_ccy' | 'quote_ccy';
  reduceOnly: boolean;
  /** Base units filled. */
  accFillSz: Decimal;
  /** Quote units traded (sum of px * sz over fills). */
  accFillQuote: Decimal;
  /** Negative = charged (OKX sign convention). */
  fee: Decimal;
  feeCcy: string;
  state: OrdState;
  cTime: number;
  uTime: number;
  /** Priority: lower = earlier in the queue at its price. */
  seq: number;
  frozenCcy: string;
  /** Amount still reserved for this order. */
  frozen: Decimal;
  /** The last execution; `fee` negative = charged, in feeCcy; `execType` M (maker) or T (taker). */
  lastFill: { px: string; sz: string; tradeId: string; time: number; fee?: string; execType?: string } | null;
  cancelSource: string;
  stpMode: string;
  /** A SWAP or FUTURES order: margin mode, position side, leverage, PnL realised by its fills. */
  contract?: {
    instType: string;
    tdMode: 'cross' | 'isolated';
    posSide: 'net' | 'long' | 'short';
    lever: string;
    pnl: Decimal;
    /** Margin held per contract that may open a position. */
    holdPerUnit: Decimal;
  };
}

export function isPending(o: SimOrder): boolean {
  return o.state === 'live' || o.state === 'partially_filled';
}

/** Remaining size in the unit `sz` is expressed in. */
export function remaining(o: SimOrder): Decimal {
  return o.tgtCcy === 'quote_ccy' ? o.sz.minus(o.accFillQuote) : o.sz.minus(o.accFillSz);
}

/** The OKX order object (docs/OKX-PROTOCOL.md §7.4): every scalar a string; reduceOnly "true"/"false". */
/** cancelSourceReason for each cancelSource the local exchange produces, in OKX's words. */
const CANCEL_REASONS: Readonly<Record<string, string>> = {
  '1': 'Order canceled by user',
  '13': 'Order canceled: FOK order was canceled due to incompletely filled.',
  '14': 'Order canceled: IOC order was partially canceled due to incompletely filled.',
  '20': 'Cancel all after triggered',
  '31': 'The post-only order will take liquidity in taker orders',
  '32': 'Self trade prevention',
};

export function orderToOkx(o: SimOrder): Record<string, unknown> {
  const avgPx = o.accFillSz.gt(0) ? o.accFillQuote.div(o.accFillSz).toFixed() : '';
  return {
    instType: o.contract?.instType ?? 'SPOT',
    instId: o.instId,
    tgtCcy: o.tgtCcy,
    ccy: '',
    ordId: o.ordId,
    clOrdId: o.clOrdId,
    tag: o.tag,
    px: o.px ? o.px.toFixed() : '',
    pxUsd: '',
    pxVol: '',
    pxType: '',
    sz: o.sz.toFixed(),
    pnl: o.contract ? o.contract.pnl.toFixed() : '0',
    ordType: o.ordType,
    side: o.side,
    // OKX reports a spot order's posSide as "net".
    posSide: o.contract?.posSide ?? 'net',
    tdMode: o.contract?.tdMode ?? 'cash',
    accFillSz: o.accFillSz.toFixed(),
    fillPx: o.lastFill?.px ?? '',
    tradeId: o.lastFill?.tradeId ?? '',
    fillSz: o.lastFill?.sz ?? '0',
    fillTime: o.lastFill ? String(o.lastFill.time) : '',
    avgPx,
    state: o.state,
    stpId: '',
    stpMode: o.stpMode,
    lever: o.contract?.lever ?? '',
    attachAlgoClOrdId: '',
    tpTriggerPx: '',
    tpTriggerPxType: '',
    tpOrdPx: '',
    slTriggerPx: '',
    slTriggerPxType: '',
    slOrdPx: '',
    attachAlgoOrds: [],
    linkedAlgoOrd: { algoId: '' },
    feeCcy: o.feeCcy,
    fee: o.fee.toFixed(),
    rebateCcy: o.contract ? o.feeCcy : o.side === 'buy' ? o.quoteCcy : o.baseCcy,
    rebate: '0',
    source: '',
    category: 'normal',
    reduceOnly: o.reduceOnly ? 'true' : 'false',
    isTpLimit: 'false',
    cancelSource: o.cancelSource,
    cancelSourceReason: CANCEL_REASONS[o.cancelSource] ?? '',
    quickMgnType: '',
    algoClOrdId: '',
    algoId: '',
    uTime: String(o.uTime),
    cTime: String(o.cTime),
    tradeQuoteCcy: o.contract ? '' : o.quoteCcy,
  };
}

/**
 * An `orders` channel push item: the order object plus the last fill's own fee and liquidity
 * (fillFee negative = charged, fillFeeCcy, execType), which OKX pushes and GET /trade/order lacks.
 */
export function orderPushToOkx(o: SimOrder): Record<string, unknown> {
  return {
    ...orderToOkx(o),
    fillFee: o.lastFill?.fee ?? '0',
    fillFeeCcy: o.lastFill ? o.feeCcy : '',
    execType: o.lastFill?.execType ?? '',
  };
}

export const ZERO = new Decimal(0);
