import { ExchangeDecimal as Decimal } from '../../util/decimal.js';
import { CL_ORD_ID_PATTERN } from '../../protocol/cl-ord-id.js';
import { errorMessage } from '../../protocol/error-codes.js';
import type { Clock } from '../../util/clock.js';
import { OkxkitError } from '../../util/errors.js';
import type { SimInstrument, SimMarketApi } from '../contracts.js';
import type { Derivatives } from './derivatives.js';

/**
 * Algo orders of the local exchange (docs/SIMULATOR.md): conditional (one-way TP or SL), OCO
 * (TP and SL, the first to trigger cancels the other), trigger, and trailing stop
 * (move_order_stop); TP/SL attached to an order (attachAlgoOrds) go live when it fills. Each
 * algo waits until its trigger price (last, index or mark) is crossed on the sim clock, then
 * places an ordinary order through the engine.
 */
export type AlgoOrdType = 'conditional' | 'oco' | 'trigger' | 'move_order_stop';
const ALGO_TYPES: readonly string[] = ['conditional', 'oco', 'trigger', 'move_order_stop'];
const PX_TYPES = ['last', 'index', 'mark'];

export interface SimAlgo {
  account: string;
  algoId: string;
  algoClOrdId: string;
  inst: SimInstrument;
  ordType: AlgoOrdType;
  side: 'buy' | 'sell';
  posSide: string;
  tdMode: string;
  sz: string;
  tgtCcy: string;
  reduceOnly: boolean;
  closeFraction: string;
  tag: string;
  tpTriggerPx: string;
  tpTriggerPxType: string;
  tpOrdPx: string;
  slTriggerPx: string;
  slTriggerPxType: string;
  slOrdPx: string;
  triggerPx: string;
  triggerPxType: string;
  orderPx: string;
  callbackRatio: string;
  callbackSpread: string;
  activePx: string;
  /** Trailing: activated (activePx reached or none), and the best price since. */
  active: boolean;
  extreme: Decimal | undefined;
  state: 'live' | 'effective' | 'canceled' | 'order_failed';
  actualSz: string;
  actualPx: string;
  actualSide: string;
  triggerTime: string;
  ordId: string;
  failCode: string;
  /** Set for an algo attached to an order: that order's id. */
  parentOrdId: string;
  cTime: number;
  uTime: number;
}

/** What the algo part needs of the engine. */
export interface AlgoHost {
  place(account: string, item: Record<string, unknown>): { ordId: string; sCode: string; sMsg: string };
  /** Contracts a closeFraction=1 algo closes now (the whole position). */
  positionSize(account: string, instId: string, tdMode: string, posSide: string): Decimal;
}

/** A rejection by the local exchange: `code` is the OKX code it answers with, `params` fill its message. */
export class AlgoError extends OkxkitError {
  constructor(
    code: string,
    readonly params: string[] = [],
  ) {
    super(code, { code });
  }
}

type Item = Record<string, unknown>;
const s = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const DEC = /^\d+(\.\d+)?$/;

export class AlgoBook {
  readonly #algos = new Map<string, SimAlgo>();
  readonly #listeners = new Set<(account: string, a: SimAlgo) => void>();
  #seq = 0;
  #checking = false;

  constructor(
    private readonly market: SimMarketApi,
    private readonly derivs: Derivatives,
    private readonly clock: Clock,
    private readonly host: AlgoHost,
  ) {}

  onAlgo(l: (account: string, a: SimAlgo) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  #emit(a: SimAlgo): void {
    for (const l of this.#listeners) l(a.account, a);
  }

  /** The price an algo watches: last, index or mark. */
  price(inst: SimInstrument, type: string): Decimal {
    if (type === 'index') return this.derivs.pricing.index(inst);
    if (type === 'mark') return this.derivs.pricing.mark(inst);
    return new Decimal(this.market.last(inst.instId));
  }

  // long: OKX validates an algo field by field in a fixed order (first failing sCode wins); the checks read top to bottom
  /** Validates and records one algo; throws AlgoError with the item's sCode. */
  place(account: string, item: Item, parentOrdId = ''): SimAlgo {
    const instId = s(item.instId);
    if (!instId) throw new AlgoError('50014', ['instId']);
    const inst = this.market.instrument(instId);
    if (!inst) throw new AlgoError('51001');
    const ordType = s(item.ordType);
    if (!ordType) throw new AlgoError('50014', ['ordType']);
    if (!ALGO_TYPES.includes(ordType)) throw new AlgoError('51000', ['ordType']);
    const side = s(item.side);
    if (side !== 'buy' && side !== 'sell') throw new AlgoError(side ? '51000' : '50014', ['side']);
    const tdMode = s(item.tdMode);
    if (!tdMode) throw new AlgoError('50014', ['tdMode']);
    const closeFraction = s(item.closeFraction);
    const sz = s(item.sz);
    if (!sz && closeFraction !== '1') throw new AlgoError('50014', ['sz']);
    if (sz && (!DEC.test(sz) || new Decimal(sz).lte(0))) throw new AlgoError('51000', ['sz']);
    const algoClOrdId = s(item.algoClOrdId);
    if (algoClOrdId && !CL_ORD_ID_PATTERN.test(algoClOrdId)) throw new AlgoError('51000', ['algoClOrdId']);
    for (const k of [
      'tpTriggerPx',
      'slTriggerPx',
      'triggerPx',
      'callbackRatio',
      'callbackSpread',
      'activePx',
    ]) {
      const v = s(item[k]);
      if (v && (!DEC.test(v) || new Decimal(v).lte(0))) throw new AlgoError('51000', [k]);
    }
    for (const k of ['tpTriggerPxType', 'slTriggerPxType', 'triggerPxType']) {
      const v = s(item[k]);
      if (v && !PX_TYPES.includes(v)) throw new AlgoError('51000', [k]);
    }
    const a: SimAlgo = {
      account,
      algoId: '',
      algoClOrdId,
      inst,
      ordType: ordType as AlgoOrdType,
      side,
      posSide: s(item.posSide) || 'net',
      tdMode,
      sz,
      tgtCcy: s(item.tgtCcy),
      reduceOnly: item.reduceOnly === true || item.reduceOnly === 'true' || closeFraction === '1',
      closeFraction,
      tag: s(item.tag),
      tpTriggerPx: s(item.tpTriggerPx),
      tpTriggerPxType: s(item.tpTriggerPxType) || (s(item.tpTriggerPx) ? 'last' : ''),
      tpOrdPx: s(item.tpOrdPx),
      slTriggerPx: s(item.slTriggerPx),
      slTriggerPxType: s(item.slTriggerPxType) || (s(item.slTriggerPx) ? 'last' : ''),
      slOrdPx: s(item.slOrdPx),
      triggerPx: s(item.triggerPx),
      triggerPxType: s(item.triggerPxType) || (s(item.triggerPx) ? 'last' : ''),
      orderPx: s(item.orderPx),
      callbackRatio: s(item.callbackRatio),
      callbackSpread: s(item.callbackSpread),
      activePx: s(item.activePx),
      active: false,
      extreme: undefined,
      state: 'live',
      actualSz: '',
      actualPx: '',
      actualSide: '',
      triggerTime: '',
      ordId: '',
      failCode: '',
      parentOrdId,
      cTime: this.clock.now(),
      uTime: this.clock.now(),
    };
    this.#validateKind(a);
    // A trigger order fires when the price crosses triggerPx from the side it was on at placement.
    if (a.ordType === 'trigger') a.extreme = this.price(inst, a.triggerPxType);
    a.algoId = String(3_000_000_000 + ++this.#seq);
    a.active = a.ordType === 'move_order_stop' && !a.activePx;
    this.#algos.set(a.algoId, a);
    this.#emit(a);
    return a;
  }

  #validateKind(a: SimAlgo): void {
    const hasTp = a.tpTriggerPx !== '';
    const hasSl = a.slTriggerPx !== '';
    if (a.ordType === 'conditional' || a.ordType === 'oco') {
      if (a.ordType === 'oco' && (!hasTp || !hasSl))
        throw new AlgoError('50014', [hasTp ? 'slTriggerPx' : 'tpTriggerPx']);
      if (!hasTp && !hasSl) throw new AlgoError('50014', ['slTriggerPx']);
      if (hasTp && !a.tpOrdPx) throw new AlgoError('50014', ['tpOrdPx']);
      if (hasSl && !a.slOrdPx) throw new AlgoError('50014', ['slOrdPx']);
      // An attached TP/SL waits for its order: the side checks run against the price then.
      if (a.parentOrdId) return;
      this.#checkTpSl(a);
    } else if (a.ordType === 'trigger') {
      if (!a.triggerPx) throw new AlgoError('50014', ['triggerPx']);
      if (!a.orderPx) throw new AlgoError('50014', ['orderPx']);
    } else {
      if (!a.callbackRatio && !a.callbackSpread) throw new AlgoError('50014', ['callbackRatio']);
      if (
        a.callbackRatio &&
        (new Decimal(a.callbackRatio).gt('1') || new Decimal(a.callbackRatio).lt('0.001'))
      )
        throw new AlgoError('51000', ['callbackRatio']);
    }
  }

  /** TP on the profit side and SL on the loss side of the price (51277 to 51280). */
  #checkTpSl(a: SimAlgo): void {
    if (a.tpTriggerPx) {
      const px = this.price(a.inst, a.tpTriggerPxType);
      const tp = new Decimal(a.tpTriggerPx);
      if (a.side === 'sell' && tp.lte(px)) throw new AlgoError('51279');
      if (a.side === 'buy' && tp.gte(px)) throw new AlgoError('51277');
    }
    if (a.slTriggerPx) {
      const px = this.price(a.inst, a.slTriggerPxType);
      const sl = new Decimal(a.slTriggerPx);
      if (a.side === 'sell' && sl.gte(px)) throw new AlgoError('51280');
      if (a.side === 'buy' && sl.lte(px)) throw new AlgoError('51278');
    }
  }

  find(account: string, algoId: string, algoClOrdId: string): SimAlgo | undefined {
    if (algoId) {
      const a = this.#algos.get(algoId);
      return a && a.account === account ? a : undefined;
    }
    let found: SimAlgo | undefined;
    for (const a of this.#algos.values())
      if (a.account === account && a.algoClOrdId === algoClOrdId) found = a;
    return found;
  }

  cancel(account: string, item: Item): SimAlgo {
    const a = this.find(account, s(item.algoId), s(item.algoClOrdId));
    if (!a || a.inst.instId !== s(item.instId)) throw new AlgoError('51603');
    if (a.state !== 'live') throw new AlgoError('51400');
    a.state = 'canceled';
    a.uTime = this.clock.now();
    this.#emit(a);
    return a;
  }

  /** Cancels every live algo order on an instrument (a future that delivers). */
  cancelInstrument(instId: string): void {
    for (const a of this.#algos.values()) {
      if (a.inst.instId !== instId || a.state !== 'live') continue;
      a.state = 'canceled';
      a.uTime = this.clock.now();
      this.#emit(a);
    }
  }

  amend(account: string, item: Item): SimAlgo {
    const a = this.find(account, s(item.algoId), s(item.algoClOrdId));
    if (!a || a.inst.instId !== s(item.instId)) throw new AlgoError('51603');
    if (a.state !== 'live') throw new AlgoError('51503');
    const next = { ...a };
    const set = (from: string, to: keyof SimAlgo) => {
      const v = s(item[from]);
      if (!v) return;
      if (v !== '-1' && (!DEC.test(v) || new Decimal(v).lte(0))) throw new AlgoError('51000', [from]);
      (next as Record<string, unknown>)[to] = v;
    };
    set('newSz', 'sz');
    set('newTpTriggerPx', 'tpTriggerPx');
    set('newTpOrdPx', 'tpOrdPx');
    set('newSlTriggerPx', 'slTriggerPx');
    set('newSlOrdPx', 'slOrdPx');
    set('newTriggerPx', 'triggerPx');
    set('newOrdPx', 'orderPx');
    if (next.ordType === 'conditional' || next.ordType === 'oco') this.#checkTpSl(next);
    Object.assign(a, next, { uTime: this.clock.now() });
    this.#emit(a);
    return a;
  }

  /** Live (pending) algos of an account, newest first. */
  pending(account: string): SimAlgo[] {
    // An attached TP/SL is listed once its order has filled.
    return [...this.#algos.values()]
      .filter((a) => a.account === account && a.state === 'live' && !a.parentOrdId)
      .reverse();
  }

  history(account: string): SimAlgo[] {
    return [...this.#algos.values()].filter((a) => a.account === account && a.state !== 'live').reverse();
  }

  /** The attached TP/SL of an order go live when it has filled (see engine). */
  attachedTo(ordId: string): SimAlgo[] {
    return [...this.#algos.values()].filter((a) => a.parentOrdId === ordId);
  }

  hasLive(): boolean {
    for (const a of this.#algos.values()) if (a.state === 'live' && !a.parentOrdId) return true;
    return false;
  }

  /** Checks every live algo against its trigger price now; triggered ones place their order. */
  check(): void {
    // Placing a triggered order runs the engine's timers again: no nested pass.
    if (this.#checking) return;
    this.#checking = true;
    try {
      for (const a of [...this.#algos.values()]) {
        if (a.state !== 'live') continue;
        // Attached algos wait for their parent order (the engine activates them).
        if (a.parentOrdId) continue;
        this.#checkOne(a);
      }
    } finally {
      this.#checking = false;
    }
  }

  /** An attached TP/SL: its order filled, so it is live from now on. */
  activate(a: SimAlgo, sz: string): void {
    a.parentOrdId = '';
    if (!a.sz) a.sz = sz;
    a.uTime = this.clock.now();
    this.#emit(a);
  }

  #checkOne(a: SimAlgo): void {
    if (a.ordType === 'conditional' || a.ordType === 'oco') {
      if (a.tpTriggerPx) {
        const px = this.price(a.inst, a.tpTriggerPxType);
        const hit = a.side === 'sell' ? px.gte(a.tpTriggerPx) : px.lte(a.tpTriggerPx);
        if (hit) return this.#trigger(a, 'tp', a.tpOrdPx);
      }
      if (a.slTriggerPx) {
        const px = this.price(a.inst, a.slTriggerPxType);
        const hit = a.side === 'sell' ? px.lte(a.slTriggerPx) : px.gte(a.slTriggerPx);
        if (hit) return this.#trigger(a, 'sl', a.slOrdPx);
      }
      return;
    }
    const px = this.price(a.inst, a.triggerPxType || 'last');
    if (a.ordType === 'trigger') {
      const t = new Decimal(a.triggerPx);
      const up = (a.extreme ?? px).lt(t);
      if (up ? px.gte(t) : px.lte(t)) this.#trigger(a, '', a.orderPx);
      return;
    }
    // Trailing stop: a sell follows the highest price since activation and fires when the price
    // falls callbackRatio (or callbackSpread) below it; a buy mirrors that from the lowest.
    if (!a.active) {
      const act = new Decimal(a.activePx);
      if ((a.side === 'sell' && px.gte(act)) || (a.side === 'buy' && px.lte(act))) a.active = true;
      else return;
    }
    if (a.extreme === undefined || (a.side === 'sell' ? px.gt(a.extreme) : px.lt(a.extreme))) a.extreme = px;
    const e = a.extreme;
    const stop = a.callbackRatio
      ? a.side === 'sell'
        ? e.mul(new Decimal(1).minus(a.callbackRatio))
        : e.mul(new Decimal(1).plus(a.callbackRatio))
      : a.side === 'sell'
        ? e.minus(a.callbackSpread)
        : e.plus(a.callbackSpread);
    if (a.side === 'sell' ? px.lte(stop) : px.gte(stop)) this.#trigger(a, '', '-1');
  }

  #trigger(a: SimAlgo, which: 'tp' | 'sl' | '', ordPx: string): void {
    let sz = a.sz;
    if (a.closeFraction === '1') {
      const size = this.host.positionSize(a.account, a.inst.instId, a.tdMode, a.posSide);
      sz = size.toFixed();
    }
    const market = ordPx === '-1' || ordPx === '';
    const item: Item = {
      instId: a.inst.instId,
      tdMode: a.tdMode,
      side: a.side,
      ordType: market ? 'market' : 'limit',
      sz,
      tag: a.tag,
    };
    if (!market) item.px = ordPx;
    if (a.inst.contract) {
      if (a.posSide !== 'net') item.posSide = a.posSide;
      else if (a.reduceOnly) item.reduceOnly = true;
    } else if (market) item.tgtCcy = a.tgtCcy || 'base_ccy';
    const r = new Decimal(sz || '0').gt(0)
      ? this.host.place(a.account, item)
      : { ordId: '', sCode: '51169', sMsg: '' };
    a.triggerTime = String(this.clock.now());
    a.actualSz = sz;
    a.actualPx = market ? '' : ordPx;
    a.actualSide = which;
    a.uTime = this.clock.now();
    if (r.sCode === '0') {
      a.state = 'effective';
      a.ordId = r.ordId;
    } else {
      a.state = 'order_failed';
      a.failCode = r.sCode;
    }
    this.#emit(a);
  }

  /** The OKX algo order object (GET /trade/orders-algo-pending, orders-algo channel), all strings. */
  row(a: SimAlgo): Record<string, unknown> {
    return {
      instType: a.inst.instType,
      instId: a.inst.instId,
      ccy: '',
      ordId: a.ordId,
      ordIdList: a.ordId ? [a.ordId] : [],
      algoId: a.algoId,
      clOrdId: '',
      sz: a.sz,
      closeFraction: a.closeFraction,
      ordType: a.ordType,
      side: a.side,
      posSide: a.posSide,
      tdMode: a.tdMode,
      tgtCcy: a.tgtCcy,
      state: a.state,
      lever: a.inst.contract
        ? this.derivs
            .lever(
              a.account,
              a.inst.instId,
              a.tdMode === 'isolated' ? 'isolated' : 'cross',
              a.posSide === 'long' || a.posSide === 'short' ? a.posSide : 'net',
            )
            .toFixed()
        : '',
      tpTriggerPx: a.tpTriggerPx,
      tpTriggerPxType: a.tpTriggerPxType,
      tpOrdPx: a.tpOrdPx,
      slTriggerPx: a.slTriggerPx,
      slTriggerPxType: a.slTriggerPxType,
      slOrdPx: a.slOrdPx,
      triggerPx: a.triggerPx,
      triggerPxType: a.triggerPxType,
      ordPx: a.orderPx,
      actualSz: a.actualSz,
      actualPx: a.actualPx,
      actualSide: a.actualSide,
      triggerTime: a.triggerTime,
      pxVar: '',
      pxSpread: '',
      szLimit: '',
      pxLimit: '',
      tag: a.tag,
      timeInterval: '',
      callbackRatio: a.callbackRatio,
      callbackSpread: a.callbackSpread,
      activePx: a.activePx,
      moveTriggerPx: a.ordType === 'move_order_stop' && a.extreme ? a.extreme.toFixed() : '',
      reduceOnly: a.reduceOnly ? 'true' : 'false',
      quickMgnType: '',
      last: this.market.last(a.inst.instId),
      failCode: a.failCode,
      algoClOrdId: a.algoClOrdId,
      amendPxOnTriggerType: '0',
      attachAlgoOrds: [],
      linkedOrd: { ordId: '' },
      isTradeBorrowMode: '',
      chaseType: '',
      chaseVal: '',
      maxChaseType: '',
      maxChaseVal: '',
      tradeQuoteCcy: a.inst.contract ? '' : a.inst.quoteCcy,
      cTime: String(a.cTime),
      uTime: String(a.uTime),
    };
  }
}

export function algoFail(err: AlgoError): { sCode: string; sMsg: string } {
  return { sCode: err.code, sMsg: errorMessage(err.code, ...err.params) };
}
