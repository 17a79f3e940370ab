import { ExchangeDecimal as Decimal } from '../../util/decimal.js';
import { CL_ORD_ID_PATTERN, TAG_PATTERN } from '../../protocol/cl-ord-id.js';
import { errorMessage } from '../../protocol/error-codes.js';
import type { Clock } from '../../util/clock.js';
import { OkxkitError } from '../../util/errors.js';
import type {
  BalanceChange,
  CashBalance,
  EngineEvents,
  PublicTrade,
  SimInstrument,
  SimMarketApi,
} from '../contracts.js';
import { AlgoBook, AlgoError, type SimAlgo } from './algo.js';
import { checkContractOrder } from './contract-orders.js';
import { Derivatives, type AcctLv, type PosMode, type SimPosition } from './derivatives.js';
import type { Ledger } from './ledger.js';
import { LOAN_MMR_RATE, LoanBook, type LoanTerms } from './loans.js';
import {
  isPending,
  orderPushToOkx,
  orderToOkx,
  remaining,
  ZERO,
  type OrdType,
  type Side,
  type SimOrder,
} from './order.js';

/** Per-item result of a trade operation, as OKX returns it in `data` (docs/OKX-PROTOCOL.md §7.1). */
export type ItemResult = Record<string, string>;

export interface TradeEnvelope {
  code: string;
  msg: string;
  data: unknown[];
  inTime: string;
  outTime: string;
}

/** A failure of a whole request (not of one item): a code for the top-level envelope. */
export class EngineRequestError extends OkxkitError {
  constructor(
    readonly okxCode: string,
    readonly okxMsg: string,
  ) {
    super(okxMsg, { code: okxCode });
  }
}

export interface EngineOptions {
  market: SimMarketApi;
  ledger: Ledger;
  clock: Clock;
  /** Spot fee rates (OKX regular tier): maker 0.08 %, taker 0.10 %. */
  makerFeeRate?: string;
  takerFeeRate?: string;
  /** Account and position mode per account (default single-currency margin, net mode). */
  accountModes?: Record<string, { acctLv?: AcctLv; posMode?: PosMode; enableSpotBorrow?: boolean }>;
  /** Spot margin loan terms per currency (hourly rate, quota); none: nothing can be borrowed. */
  loanTerms?: Record<string, LoanTerms>;
  /** Seeds the public lending rate history. */
  seed?: number;
  /** Fault injection: taker orders on an instrument for which this is true take nothing. */
  noLiquidity?: (instId: string) => boolean;
}

const ORD_TYPES: readonly OrdType[] = ['market', 'limit', 'post_only', 'fok', 'ioc'];
const DECIMAL = /^\d+(\.\d+)?$/;
/** Tag-level cancel-all-after timers per sub-account (docs/OKX-PROTOCOL.md §7.4). */
const MAX_TAG_TIMERS = 20;
const CANCELED_KEEP_MS = 2 * 3_600_000;

// cancelSource values as OKX reports them on the order object.
const CANCEL_BY_SYSTEM = '0';
const CANCEL_BY_USER = '1';
const CANCEL_IOC = '14';
const CANCEL_FOK = '13';
const CANCEL_ALL_AFTER = '20';
const CANCEL_POST_ONLY = '31';
const CANCEL_STP = '32';

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

/** Order fields OKX takes as strings: an array, object or Boolean there is refused, not coerced. */
const STRING_FIELDS = [
  'instId',
  'tdMode',
  'side',
  'ordType',
  'sz',
  'px',
  'clOrdId',
  'tag',
  'tgtCcy',
  'stpMode',
  'posSide',
  'ccy',
];
const STP_MODES = new Set(['cancel_maker', 'cancel_taker', 'cancel_both']);

/** The first field of a place request whose type or value OKX refuses (51000 "Parameter {field} error"). */
function badPlaceField(item: Record<string, unknown>): string | undefined {
  for (const f of STRING_FIELDS) {
    const v = item[f];
    if (v !== undefined && v !== null && typeof v !== 'string' && typeof v !== 'number') return f;
  }
  const ro = item.reduceOnly;
  if (ro !== undefined && ro !== true && ro !== false && ro !== 'true' && ro !== 'false' && ro !== '')
    return 'reduceOnly';
  const stp = item.stpMode;
  if (stp !== undefined && stp !== '' && !STP_MODES.has(String(stp))) return 'stpMode';
  return undefined;
}

function fail(code: string, ...params: string[]): { sCode: string; sMsg: string } {
  return { sCode: code, sMsg: errorMessage(code, ...params) };
}

function isMultiple(v: Decimal, step: string): boolean {
  return v.mod(step).isZero();
}

function floorTo(v: Decimal, step: string): Decimal {
  return v.div(step).floor().mul(step);
}

interface Fill {
  record: Record<string, string>;
  account: string;
}

interface AccountTimers {
  account: number;
  tags: Map<string, number>;
}

/**
 * The matching engine for users' spot orders: price-time priority among users' resting orders,
 * taker orders also consume the synthetic book through `market.take`, resting orders fill as
 * maker when public trades reach them. Balances are frozen on place and released on fill or
 * cancel, so availBal + frozenBal = cashBal always holds.
 */
/** What one event changed for one account, until it is pushed on balance_and_position. */
interface PendingBalPos {
  account: string;
  eventType: string;
  ccys: Set<string>;
  /** by posId */
  positions: Map<string, SimPosition>;
  trades: Array<{ instId: string; tradeId: string }>;
}

export class MatchingEngine implements EngineEvents {
  readonly #market: SimMarketApi;
  readonly #ledger: Ledger;
  readonly #clock: Clock;
  readonly #maker: Decimal;
  readonly #taker: Decimal;
  readonly #noLiquidity: ((instId: string) => boolean) | undefined;
  readonly #orders = new Map<string, SimOrder>();
  /** account -> clOrdId -> orders with it, oldest first */
  readonly #byClOrdId = new Map<string, Map<string, SimOrder[]>>();
  readonly #books = new Map<string, { bids: SimOrder[]; asks: SimOrder[] }>();
  readonly #fills = new Map<string, Record<string, string>[]>();
  readonly #timers = new Map<string, AccountTimers>();
  readonly #orderListeners = new Set<(account: string, order: Record<string, string>) => void>();
  readonly #accountListeners = new Set<(account: string, account0: Record<string, unknown>) => void>();
  readonly #balanceListeners = new Set<(account: string, change: BalanceChange) => void>();
  readonly #positionListeners = new Set<(account: string, p: SimPosition) => void>();
  /** balance_and_position changes of the event running now (see oneEvent) */
  #balPos: Map<string, PendingBalPos> | undefined;
  readonly #warningListeners = new Set<(account: string, p: SimPosition) => void>();
  /** Positions, leverage, margin, funding and liquidation of SWAP and FUTURES contracts. */
  readonly derivs: Derivatives;
  /** Conditional, OCO, trigger and trailing orders, and TP/SL attached to orders. */
  readonly algos: AlgoBook;
  /** Spot margin loans: liabilities, hourly interest, lending rate history. */
  readonly loans: LoanBook;
  #ordSeq = 0;
  #tradeSeq = 0;
  #prioritySeq = 0;
  readonly #unsubscribe: () => void;

  constructor(opts: EngineOptions) {
    this.#market = opts.market;
    this.#ledger = opts.ledger;
    this.#clock = opts.clock;
    this.#maker = new Decimal(opts.makerFeeRate ?? '0.0008');
    this.#taker = new Decimal(opts.takerFeeRate ?? '0.001');
    this.#noLiquidity = opts.noLiquidity;
    this.#unsubscribe = this.#market.onTrades((instId, trades) => this.onPublicTrades(instId, trades));
    this.derivs = new Derivatives(
      this.#ledger,
      this.#market,
      this.#clock,
      {
        position: (a, p, eventType) => {
          for (const l of this.#positionListeners) l(a, p);
          this.#noteBalPos(a, eventType, { position: p });
        },
        liquidationWarning: (a, p) => {
          for (const l of this.#warningListeners) l(a, p);
        },
        balance: (a, ccys, eventType) => {
          this.#noteBalPos(a, eventType, { ccys });
          this.#emitAccount(a);
        },
        // A delivering future's pending orders are canceled by the system (cancelSource 0).
        expiring: (instId) => {
          this.algos.cancelInstrument(instId);
          const accounts = new Set([...this.#orders.values()].map((o) => o.account));
          for (const a of accounts) this.#cancelWhere(a, (o) => o.instId === instId, CANCEL_BY_SYSTEM);
        },
      },
      () => this.#nextTradeId(),
      opts.accountModes,
    );
    const modes = opts.accountModes ?? {};
    this.loans = new LoanBook({
      ledger: this.#ledger,
      clock: this.#clock,
      terms: opts.loanTerms ?? {},
      seed: opts.seed ?? 1,
      usdPrice: (ccy) => this.#usdPrice(ccy),
      acctLv: (a) => this.derivs.settings(a).acctLv,
      spotBorrowEnabled: (a) => modes[a]?.enableSpotBorrow === true,
      cashChanged: (a, ccys, eventType) => {
        this.#noteBalPos(a, eventType, { ccys });
        this.#emitAccount(a);
      },
    });
    this.algos = new AlgoBook(this.#market, this.derivs, this.#clock, {
      place: (account, item) => {
        const r = this.placeOrders(account, [item])[0]!;
        return { ordId: r.ordId ?? '', sCode: r.sCode ?? '1', sMsg: r.sMsg ?? '' };
      },
      positionSize: (account, instId, tdMode, posSide) => {
        const p = this.derivs.find(
          account,
          instId,
          tdMode === 'isolated' ? 'isolated' : 'cross',
          posSide === 'long' || posSide === 'short' ? posSide : 'net',
        );
        return p ? p.pos.abs() : ZERO;
      },
    });
  }

  /** Attached TP/SL follow their order: live once it filled, canceled if it ended unfilled. */
  #settleAttached(o: SimOrder): void {
    if (isPending(o)) return;
    for (const a of this.algos.attachedTo(o.ordId)) {
      if (a.state !== 'live') continue;
      if (o.accFillSz.gt(0)) this.algos.activate(a, o.accFillSz.toFixed());
      else this.algos.cancel(o.account, { instId: o.instId, algoId: a.algoId });
    }
  }

  /** TP/SL attached to a new order (attachAlgoOrds): opposite side, same mode; checked now. */
  #attach(account: string, ordId: string, item: Record<string, unknown>): ItemResult | undefined {
    const list = item.attachAlgoOrds;
    if (list === undefined || list === '') return undefined;
    if (!Array.isArray(list)) return fail('51000', 'attachAlgoOrds');
    const o = this.#orders.get(ordId)!;
    for (const raw of list) {
      const x = (raw ?? {}) as Record<string, unknown>;
      const both = x.tpTriggerPx && x.slTriggerPx;
      try {
        const a: SimAlgo = this.algos.place(
          account,
          {
            instId: o.instId,
            tdMode: o.contract?.tdMode ?? 'cash',
            side: o.side === 'buy' ? 'sell' : 'buy',
            posSide: o.contract?.posSide ?? '',
            ordType: both ? 'oco' : 'conditional',
            sz: x.sz ?? '',
            closeFraction: x.sz ? '' : '1',
            reduceOnly: o.contract !== undefined,
            algoClOrdId: x.attachAlgoClOrdId ?? '',
            tpTriggerPx: x.tpTriggerPx,
            tpTriggerPxType: x.tpTriggerPxType,
            tpOrdPx: x.tpOrdPx ?? (x.tpTriggerPx ? '-1' : ''),
            slTriggerPx: x.slTriggerPx,
            slTriggerPxType: x.slTriggerPxType,
            slOrdPx: x.slOrdPx ?? (x.slTriggerPx ? '-1' : ''),
          },
          ordId,
        );
        // A spot TP/SL sells (or buys back) what the order filled, not a position.
        if (!o.contract) a.closeFraction = '';
      } catch (err) {
        if (err instanceof AlgoError) return fail(err.code, ...err.params);
        throw err;
      }
    }
    this.#settleAttached(o);
    return undefined;
  }

  /** A position changed (fill, funding, leverage, margin, liquidation). */
  onPosition(listener: (account: string, p: SimPosition) => void): () => void {
    this.#positionListeners.add(listener);
    return () => this.#positionListeners.delete(listener);
  }

  /** A position's margin ratio fell to the warning level (liquidation-warning channel). */
  onLiquidationWarning(listener: (account: string, p: SimPosition) => void): () => void {
    this.#warningListeners.add(listener);
    return () => this.#warningListeners.delete(listener);
  }

  /**
   * Runs one event (a fill, a funding settlement, a leverage or margin change): the cash
   * balances and positions it changes reach balance_and_position as one push per account and
   * event type, carrying the state after the whole event (docs/OKX-PROTOCOL.md §2.7). Nested
   * calls join the outer event.
   */
  oneEvent<T>(run: () => T): T {
    if (this.#balPos) return run();
    const pending = new Map<string, PendingBalPos>();
    this.#balPos = pending;
    try {
      return run();
    } finally {
      this.#balPos = undefined;
      for (const e of pending.values()) this.#pushBalPos(e);
    }
  }

  /** Records a change for balance_and_position: pushed at the end of the event, or at once outside one. */
  #noteBalPos(
    account: string,
    eventType: string,
    part: { ccys?: string[]; position?: SimPosition; trade?: { instId: string; tradeId: string } },
  ): void {
    const key = `${account}|${eventType}`;
    const e: PendingBalPos = this.#balPos?.get(key) ?? {
      account,
      eventType,
      ccys: new Set(),
      positions: new Map(),
      trades: [],
    };
    for (const c of part.ccys ?? []) e.ccys.add(c);
    if (part.position) e.positions.set(part.position.posId, part.position);
    if (part.trade) e.trades.push(part.trade);
    if (this.#balPos) this.#balPos.set(key, e);
    else this.#pushBalPos(e);
  }

  #pushBalPos(e: PendingBalPos): void {
    if (this.#balanceListeners.size === 0) return;
    const change: BalanceChange = {
      eventType: e.eventType,
      balData: [...e.ccys].map((ccy) => {
        const b = this.#ledger.balance(e.account, ccy);
        return { ccy, cashBal: b.cash.toFixed(), uTime: String(b.uTime) };
      }),
      posData: [...e.positions.values()].map((p) => this.derivs.positionRow(p)),
      trades: e.trades,
      ts: this.#clock.now(),
    };
    for (const l of this.#balanceListeners) l(e.account, change);
  }

  /** Contracts a reduce-only order may still take without opening the other way. */
  #reducible(o: SimOrder): Decimal {
    const c = o.contract!;
    const p = this.derivs.find(o.account, o.instId, c.tdMode, c.posSide);
    if (!p) return ZERO;
    if (c.posSide !== 'net') return p.pos.abs();
    const against = (o.side === 'buy' && p.pos.lt(0)) || (o.side === 'sell' && p.pos.gt(0));
    return against ? p.pos.abs() : ZERO;
  }

  /** The engine's clock now (server time). */
  nowMs(): number {
    return this.#clock.now();
  }

  /** Cancels the account's pending orders that match (close-position autoCxl). */
  cancelWhere(account: string, pred: (o: SimOrder) => boolean): void {
    let any = false;
    for (const o of this.#accountOrders(account)) {
      if (isPending(o) && pred(o)) {
        this.#unrest(o);
        this.#finish(o, 'canceled', CANCEL_BY_USER);
        any = true;
      }
    }
    if (any) this.#emitAccount(account);
  }

  /** True when the account has a live order (settings changes need none). */
  hasPendingOrders(account: string): boolean {
    return this.#accountOrders(account).some(isPending);
  }

  close(): void {
    this.#unsubscribe();
  }

  get ledger(): Ledger {
    return this.#ledger;
  }

  // ---- events (EngineEvents) ----

  onOrder(listener: (account: string, order: Record<string, string>) => void): () => void {
    this.#orderListeners.add(listener);
    return () => this.#orderListeners.delete(listener);
  }

  onAccount(listener: (account: string, account0: Record<string, unknown>) => void): () => void {
    this.#accountListeners.add(listener);
    return () => this.#accountListeners.delete(listener);
  }

  onBalance(listener: (account: string, change: BalanceChange) => void): () => void {
    this.#balanceListeners.add(listener);
    return () => this.#balanceListeners.delete(listener);
  }

  /** Non-zero cash balances of the trading account, by currency (balance_and_position snapshot). */
  cashBalances(account: string): CashBalance[] {
    const a = this.#ledger.account(account);
    return [...a.trading.entries()]
      .filter(([, b]) => !b.cash.isZero())
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([ccy, b]) => ({ ccy, cashBal: b.cash.toFixed(), uTime: String(b.uTime) }));
  }

  #emitOrder(o: SimOrder): void {
    if (this.#orderListeners.size === 0) return;
    const obj = orderPushToOkx(o) as Record<string, string>;
    for (const l of this.#orderListeners) l(o.account, obj);
  }

  #emitAccount(account: string): void {
    if (this.#accountListeners.size === 0) return;
    const obj = this.balance(account);
    for (const l of this.#accountListeners) l(account, obj);
  }

  // ---- ids ----

  #nextOrdId(): string {
    this.#ordSeq++;
    return `6${String(this.#ordSeq).padStart(17, '0')}`;
  }

  #nextTradeId(): string {
    this.#tradeSeq++;
    return String(900000000 + this.#tradeSeq);
  }

  // ---- lookups ----

  #instrument(instId: string): SimInstrument | undefined {
    return this.#market.instrument(instId);
  }

  /** Resolves instId, or instIdCode (WS order ops since 2026, docs/OKX-PROTOCOL.md §2.6; instIdCode wins). */
  resolveInstId(item: Record<string, unknown>): string {
    if (item.instIdCode !== undefined && item.instIdCode !== '') {
      const code = Number(item.instIdCode);
      const inst = this.#market.instruments().find((i) => i.instIdCode === code);
      return inst ? inst.instId : `#${str(item.instIdCode)}`;
    }
    return str(item.instId);
  }

  #book(instId: string): { bids: SimOrder[]; asks: SimOrder[] } {
    let b = this.#books.get(instId);
    if (!b) {
      b = { bids: [], asks: [] };
      this.#books.set(instId, b);
    }
    return b;
  }

  #rest(o: SimOrder): void {
    const b = this.#book(o.instId);
    const side = o.side === 'buy' ? b.bids : b.asks;
    side.push(o);
    side.sort((x, y) => {
      const c = o.side === 'buy' ? y.px!.cmp(x.px!) : x.px!.cmp(y.px!);
      return c !== 0 ? c : x.seq - y.seq;
    });
  }

  #unrest(o: SimOrder): void {
    const b = this.#book(o.instId);
    const side = o.side === 'buy' ? b.bids : b.asks;
    const i = side.indexOf(o);
    if (i >= 0) side.splice(i, 1);
  }

  #pendingClOrdId(account: string, clOrdId: string): boolean {
    return (this.#byClOrdId.get(account)?.get(clOrdId) ?? []).some(isPending);
  }

  /** ordId wins over clOrdId; a clOrdId names its latest order (docs/OKX-PROTOCOL.md §8). */
  find(account: string, instId: string, ordId: string, clOrdId: string): SimOrder | undefined {
    if (ordId) {
      const o = this.#orders.get(ordId);
      return o && o.account === account && o.instId === instId ? o : undefined;
    }
    const list = this.#byClOrdId.get(account)?.get(clOrdId) ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.instId === instId) return list[i];
    return undefined;
  }

  // ---- place ----

  /**
   * Places orders (one or a batch). Items fail independently with their own sCode; a duplicate
   * clOrdId is checked against pending orders and the items before it in the same request.
   */
  placeOrders(
    account: string,
    items: Record<string, unknown>[],
    opts: { expTimeMs?: number } = {},
  ): ItemResult[] {
    this.checkTimers();
    const now = this.#clock.now();
    const inBatch = new Set<string>();
    const out = items.map((item) => {
      // Echoed as sent only when they are strings: `clOrdId: true` is refused, never read as "true".
      const clOrdId = typeof item.clOrdId === 'string' ? item.clOrdId : '';
      const tag = typeof item.tag === 'string' ? item.tag : '';
      const base = { ordId: '', clOrdId, tag, ts: String(now) };
      if (opts.expTimeMs !== undefined && now > opts.expTimeMs) return { ...base, ...fail('50037') };
      const r = this.#placeOne(account, item, inBatch);
      if (clOrdId) inBatch.add(clOrdId);
      return { ...base, ...r };
    });
    this.#emitAccount(account);
    return out;
  }

  // long: OKX validates an order field by field in a fixed order (first failing sCode wins); the checks read top to bottom
  #placeOne(account: string, item: Record<string, unknown>, inBatch: Set<string>): ItemResult {
    const bad = badPlaceField(item);
    if (bad) return fail('51000', bad);
    const instId = this.resolveInstId(item);
    if (!instId) return fail('50014', 'instId');
    const inst = this.#instrument(instId);
    if (!inst) return fail('51001');
    const tdMode = str(item.tdMode);
    if (!tdMode) return fail('50014', 'tdMode');
    // A spot-mode account (acctLv 1) trades spot only in cash mode.
    if (!inst.contract && tdMode !== 'cash') return fail('51010');
    if (inst.contract && tdMode === 'cash') return fail('51000', 'tdMode');
    const side = str(item.side);
    if (!side) return fail('50014', 'side');
    if (side !== 'buy' && side !== 'sell') return fail('51000', 'side');
    const ordType = str(item.ordType) as OrdType;
    if (!ordType) return fail('50014', 'ordType');
    if (!ORD_TYPES.includes(ordType)) return fail('51000', 'ordType');
    const szText = str(item.sz);
    if (!szText) return fail('50014', 'sz');
    if (!DECIMAL.test(szText) || new Decimal(szText).lte(0)) return fail('51000', 'sz');
    const clOrdId = str(item.clOrdId);
    if (clOrdId && !CL_ORD_ID_PATTERN.test(clOrdId)) return fail('51000', 'clOrdId');
    const tag = str(item.tag);
    if (tag && !TAG_PATTERN.test(tag)) return fail('51000', 'tag');
    const reduceOnly = item.reduceOnly === true || item.reduceOnly === 'true';
    let tgtCcy = str(item.tgtCcy) as SimOrder['tgtCcy'];
    if (tgtCcy && tgtCcy !== 'base_ccy' && tgtCcy !== 'quote_ccy') return fail('51000', 'tgtCcy');
    if (inst.contract) {
      // Contracts size in contracts.
      tgtCcy = '';
    } else if (ordType === 'market') {
      // Spot market buys size in quote currency unless told otherwise (docs/OKX-PROTOCOL.md §7.4).
      if (!tgtCcy) tgtCcy = side === 'buy' ? 'quote_ccy' : 'base_ccy';
    } else {
      tgtCcy = '';
    }
    let px: Decimal | null = null;
    if (ordType !== 'market') {
      const pxText = str(item.px);
      if (!pxText) return fail('50014', 'px');
      if (
        !DECIMAL.test(pxText) ||
        new Decimal(pxText).lte(0) ||
        !isMultiple(new Decimal(pxText), inst.tickSz)
      ) {
        return fail('51000', 'px');
      }
      px = new Decimal(pxText);
    }
    const sz = new Decimal(szText);
    if (tgtCcy !== 'quote_ccy') {
      if (!isMultiple(sz, inst.lotSz)) return fail('51121');
      if (sz.lt(inst.minSz)) return fail('51020');
    }
    if (clOrdId && (inBatch.has(clOrdId) || this.#pendingClOrdId(account, clOrdId))) return fail('51016');

    // Reserve what the order can spend (docs/OKX-PROTOCOL.md §4.4: 51008 when the available balance is short).
    let frozenCcy: string;
    let freeze: Decimal;
    let contract: SimOrder['contract'];
    if (inst.contract) {
      const top = this.#liquidity(account, instId, side)[0];
      const c = checkContractOrder(
        this.derivs,
        account,
        inst,
        { tdMode, posSide: str(item.posSide), side, sz, px, reduceOnly, bestOpposite: top?.px },
        (ccy) => this.#ledger.available(account, ccy),
      );
      if (!c.ok) return fail(c.code, ...c.params);
      frozenCcy = c.frozenCcy;
      freeze = c.freeze;
      contract = c.contract;
      if (!this.#ledger.freeze(account, frozenCcy, freeze)) return fail('51008');
    } else if (side === 'buy') {
      frozenCcy = inst.quoteCcy;
      if (px) freeze = px.mul(sz);
      else if (tgtCcy === 'quote_ccy') freeze = sz;
      else freeze = this.#estimate(account, instId, 'buy', sz, 'base');
    } else {
      frozenCcy = inst.baseCcy;
      if (px || tgtCcy === 'base_ccy') freeze = sz;
      else freeze = this.#estimate(account, instId, 'sell', sz, 'quote');
    }
    if (!contract && !this.#ledger.freeze(account, frozenCcy, freeze)) return fail('51008');

    const now = this.#clock.now();
    const o: SimOrder = {
      account,
      ordId: this.#nextOrdId(),
      clOrdId,
      tag,
      instId,
      baseCcy: inst.baseCcy,
      quoteCcy: inst.quoteCcy,
      side,
      ordType,
      px,
      sz,
      tgtCcy,
      reduceOnly,
      accFillSz: ZERO,
      accFillQuote: ZERO,
      fee: ZERO,
      feeCcy: inst.contract ? inst.contract.settleCcy : side === 'buy' ? inst.baseCcy : inst.quoteCcy,
      state: 'live',
      cTime: now,
      uTime: now,
      seq: ++this.#prioritySeq,
      frozenCcy,
      frozen: freeze,
      lastFill: null,
      cancelSource: '',
      stpMode: str(item.stpMode) || 'cancel_maker',
    };
    if (contract) o.contract = contract;
    this.#orders.set(o.ordId, o);
    if (clOrdId) {
      let m = this.#byClOrdId.get(account);
      if (!m) this.#byClOrdId.set(account, (m = new Map()));
      const list = m.get(clOrdId) ?? [];
      list.push(o);
      m.set(clOrdId, list);
    }
    this.#emitOrder(o);

    if (ordType === 'post_only' && this.#wouldTake(account, instId, side, px!)) {
      // OKX accepts the order, then cancels it at once rather than let it take (cancelSource 31).
      this.#finish(o, 'canceled', CANCEL_POST_ONLY);
    } else if (ordType === 'fok' && !this.#canFillFully(o)) {
      this.#finish(o, 'canceled', CANCEL_FOK);
    } else {
      this.#execute(o);
      if (isPending(o)) {
        if (ordType === 'limit' || ordType === 'post_only') this.#rest(o);
        else this.#finishTaker(o);
      }
    }
    const attached = this.#attach(account, o.ordId, item);
    if (attached) return { ordId: o.ordId, ...attached };
    return { ordId: o.ordId, sCode: '0', sMsg: 'Order placed' };
  }

  /** Best resting price on the side a taker on `side` would hit: users' orders and the synthetic book. */
  #wouldTake(account: string, instId: string, side: Side, px: Decimal): boolean {
    const b = this.#book(instId);
    const opp = side === 'buy' ? b.asks : b.bids;
    const user = opp.find((o) => o.account !== account);
    const depth = this.#market.depth(instId, 1);
    const synth = side === 'buy' ? depth.asks[0] : depth.bids[0];
    const crosses = (p: Decimal) => (side === 'buy' ? px.gte(p) : px.lte(p));
    return (
      (user !== undefined && crosses(user.px!)) || (synth !== undefined && crosses(new Decimal(synth[0])))
    );
  }

  /** Levels a taker could reach, best first, merging users' orders (not the taker's own) and the synthetic book. */
  #liquidity(account: string, instId: string, side: Side): { px: Decimal; sz: Decimal }[] {
    const b = this.#book(instId);
    const opp = side === 'buy' ? b.asks : b.bids;
    const depth = this.#market.depth(instId, 400);
    const synth = side === 'buy' ? depth.asks : depth.bids;
    const levels = [
      ...opp.filter((o) => o.account !== account).map((o) => ({ px: o.px!, sz: remaining(o) })),
      ...synth.map((l) => ({ px: new Decimal(l[0]), sz: new Decimal(l[1]) })),
    ];
    levels.sort((x, y) => (side === 'buy' ? x.px.cmp(y.px) : y.px.cmp(x.px)));
    return levels;
  }

  /**
   * What a market order will spend: quote for a base-sized buy, base for a quote-sized sell,
   * walking the book as matching will. Beyond the book, the last price prices the rest.
   */
  #estimate(account: string, instId: string, side: Side, sz: Decimal, unit: 'base' | 'quote'): Decimal {
    let left = sz;
    let spend = ZERO;
    for (const l of this.#liquidity(account, instId, side)) {
      if (left.lte(0)) break;
      if (unit === 'base') {
        const q = Decimal.min(left, l.sz);
        spend = spend.plus(q.mul(l.px));
        left = left.minus(q);
      } else {
        const q = Decimal.min(left.div(l.px), l.sz);
        spend = spend.plus(q);
        left = left.minus(q.mul(l.px));
      }
    }
    if (left.gt(0)) {
      const last = new Decimal(this.#market.last(instId));
      spend = spend.plus(unit === 'base' ? left.mul(last) : left.div(last));
    }
    return spend;
  }

  #canFillFully(o: SimOrder): boolean {
    let need = remaining(o);
    for (const l of this.#liquidity(o.account, o.instId, o.side)) {
      if (o.side === 'buy' ? l.px.gt(o.px!) : l.px.lt(o.px!)) break;
      need = need.minus(l.sz);
      if (need.lte(0)) return true;
    }
    return false;
  }

  /** Takes liquidity for `o` as taker, best price first; users' orders before synthetic size at the same price. */
  #execute(o: SimOrder): void {
    if (this.#noLiquidity?.(o.instId)) return;
    const inst = this.#instrument(o.instId)!;
    let misses = 0;
    for (let guard = 0; guard < 10_000 && isPending(o); guard++) {
      const left = remaining(o);
      if (left.lte(0)) break;
      // The synthetic book is read and taken at the same market time: without this, a step
      // falling between the read and the take could move the book past the price read.
      this.#market.advanceTo(this.#clock.now());
      const b = this.#book(o.instId);
      const opp = o.side === 'buy' ? b.asks : b.bids;
      const maker = opp[0];
      const depth = this.#market.depth(o.instId, 1);
      const top = o.side === 'buy' ? depth.asks[0] : depth.bids[0];
      const synthPx = top ? new Decimal(top[0]) : undefined;
      const better = (a: Decimal, c: Decimal) => (o.side === 'buy' ? a.lte(c) : a.gte(c));
      const useUser = maker !== undefined && (synthPx === undefined || better(maker.px!, synthPx));
      const px = useUser ? maker.px! : synthPx;
      if (px === undefined) break;
      if (o.px && !better(px, o.px)) break;
      let q = o.tgtCcy === 'quote_ccy' ? floorTo(left.div(px), inst.lotSz) : left;
      // A market order sized in the currency it does not spend (a buy in base, a sell in quote)
      // fills its whole size: when the book stepped since the estimate, the extra is reserved from
      // the available balance (only what that cannot cover is cut).
      if (!o.px && o.side === 'buy' && o.tgtCcy === 'base_ccy') this.#topUp(o, q.mul(px));
      if (!o.px && !o.contract && o.side === 'sell' && o.tgtCcy === 'quote_ccy') this.#topUp(o, q);
      // A market order never spends more than it reserved (the estimate walked this same book).
      if (!o.px && !o.contract)
        q = Decimal.min(q, floorTo(o.side === 'buy' ? o.frozen.div(px) : o.frozen, inst.lotSz));
      // A reduce-only order never turns into an opening one.
      if (o.contract && o.reduceOnly) q = Decimal.min(q, this.#reducible(o));
      if (q.lte(0)) break;
      if (useUser) {
        const m = maker;
        if (m.account === o.account) {
          // Self-trade prevention, OKX default cancel_maker.
          this.#unrest(m);
          this.#finish(m, 'canceled', CANCEL_STP);
          continue;
        }
        q = Decimal.min(q, remaining(m));
        const tradeId = this.#nextTradeId();
        this.#fill(o, px, q, false, tradeId);
        this.#fill(m, px, q, true, tradeId);
        this.#market.recordTrade(o.instId, px.toFixed(), q.toFixed(), o.side);
        if (!isPending(m)) this.#unrest(m);
        this.#emitAccount(m.account);
      } else {
        q = Decimal.min(q, new Decimal(top![1]));
        // A priced order takes up to its own limit; a market order up to the price it reserved for.
        const fills = this.#market.take(o.instId, o.side, q.toFixed(), (o.px ?? px).toFixed());
        if (fills.length === 0) {
          // The market stepped between the read and the take (the clock crossed a step): read again.
          if (++misses > 3) break;
          continue;
        }
        misses = 0;
        for (const f of fills)
          this.#fill(o, new Decimal(f.px), new Decimal(f.sz), false, this.#nextTradeId());
      }
    }
  }

  /** Reserves more for an order when `need` exceeds what it holds, up to the available balance. */
  #topUp(o: SimOrder, need: Decimal): void {
    const extra = need.minus(o.frozen);
    if (extra.lte(0)) return;
    const add = Decimal.min(extra, this.#ledger.available(o.account, o.frozenCcy));
    if (add.gt(0) && this.#ledger.freeze(o.account, o.frozenCcy, add)) o.frozen = o.frozen.plus(add);
  }

  /** One execution of an order: one balance_and_position event. */
  #fill(o: SimOrder, px: Decimal, q: Decimal, maker: boolean, tradeId: string): void {
    this.oneEvent(() => this.#fillNow(o, px, q, maker, tradeId));
  }

  // long: one execution books balances, fee, bills, order totals and pushes atomically, in OKX order
  /** Applies one execution to an order and its account: balances, fee, bills, fill record. */
  #fillNow(o: SimOrder, px: Decimal, q: Decimal, maker: boolean, tradeId: string): void {
    const now = this.#clock.now();
    const rate = maker ? this.#maker : this.#taker;
    const quote = px.mul(q);
    const common = {
      instType: 'SPOT',
      instId: o.instId,
      ordId: o.ordId,
      clOrdId: o.clOrdId,
      tradeId,
      tag: o.tag,
      px: px.toFixed(),
      sz: q.toFixed(),
      type: '2',
      subType: o.side === 'buy' ? '1' : '2',
      mgnMode: 'cash',
      execType: maker ? 'M' : 'T',
      fillTime: String(now),
    };
    let fee: Decimal;
    // Release what this execution had reserved: limit orders reserved at their own price.
    let release: Decimal;
    let pnl = ZERO;
    if (o.contract) {
      const inst = this.#instrument(o.instId)!;
      release = Decimal.min(o.frozen, o.contract.holdPerUnit.mul(q));
      this.#ledger.unfreeze(o.account, o.frozenCcy, release);
      const r = this.derivs.applyFill(
        {
          account: o.account,
          instId: o.instId,
          side: o.side,
          mgnMode: o.contract.tdMode,
          posSide: o.contract.posSide,
        },
        inst,
        px,
        q,
        maker,
        {
          ...common,
          instType: inst.instType,
          mgnMode: o.contract.tdMode,
          fillMarkPx: this.derivs.pricing.mark(inst).toFixed(),
          fillIdxPx: this.derivs.pricing.index(inst).toFixed(),
        },
      );
      fee = r.fee.neg();
      pnl = r.pnl;
      o.contract.pnl = o.contract.pnl.plus(pnl);
    } else if (o.side === 'buy') {
      release = o.px ? o.px.mul(q) : Decimal.min(quote, o.frozen);
      fee = q.mul(rate);
      this.#ledger.unfreeze(o.account, o.quoteCcy, release);
      this.#ledger.change(o.account, o.quoteCcy, quote.neg(), common);
      // OKX spot charges the fee in the currency received (docs/OKX-PROTOCOL.md §7.4: a negative fee is charged).
      this.#ledger.change(o.account, o.baseCcy, q.minus(fee), { ...common, fee: fee.neg().toFixed() });
    } else {
      release = o.px || o.tgtCcy !== 'quote_ccy' ? q : Decimal.min(q, o.frozen);
      fee = quote.mul(rate);
      this.#ledger.unfreeze(o.account, o.baseCcy, release);
      this.#ledger.change(o.account, o.baseCcy, q.neg(), common);
      this.#ledger.change(o.account, o.quoteCcy, quote.minus(fee), { ...common, fee: fee.neg().toFixed() });
    }
    const bills = this.#ledger.account(o.account).bills;
    const billId = bills[bills.length - 1]?.billId ?? '';
    o.frozen = Decimal.max(ZERO, o.frozen.minus(release));
    o.accFillSz = o.accFillSz.plus(q);
    // avgPx of a contract order is per contract, like a spot order's per base unit.
    o.accFillQuote = o.accFillQuote.plus(quote);
    o.fee = o.fee.minus(fee);
    o.lastFill = {
      px: px.toFixed(),
      sz: q.toFixed(),
      tradeId,
      time: now,
      fee: fee.neg().toFixed(),
      execType: maker ? 'M' : 'T',
    };
    o.uTime = now;
    const done = o.tgtCcy === 'quote_ccy' ? false : o.accFillSz.gte(o.sz);
    o.state = done ? 'filled' : 'partially_filled';
    if (done) this.#release(o);
    if (done) this.#settleAttached(o);
    const fill: Fill = {
      account: o.account,
      record: {
        instType: o.contract?.instType ?? 'SPOT',
        instId: o.instId,
        tradeId,
        ordId: o.ordId,
        clOrdId: o.clOrdId,
        billId,
        subType: o.side === 'buy' ? '1' : '2',
        tag: o.tag,
        fillPx: px.toFixed(),
        fillSz: q.toFixed(),
        fillIdxPx: o.contract ? this.derivs.pricing.index(this.#instrument(o.instId)!).toFixed() : '',
        fillPnl: pnl.toFixed(),
        fillPxVol: '',
        fillPxUsd: '',
        fillMarkVol: '',
        fillFwdPx: '',
        fillMarkPx: o.contract ? this.derivs.pricing.mark(this.#instrument(o.instId)!).toFixed() : '',
        side: o.side,
        posSide: o.contract?.posSide ?? 'net',
        execType: maker ? 'M' : 'T',
        feeCcy: o.feeCcy,
        fee: fee.neg().toFixed(),
        ts: String(now),
        fillTime: String(now),
        feeRate: rate.neg().toFixed(),
        tradeQuoteCcy: o.contract ? '' : o.quoteCcy,
      },
    };
    const list = this.#fills.get(fill.account) ?? [];
    list.push(fill.record);
    this.#fills.set(fill.account, list);
    this.#emitOrder(o);
    // The cash balances moved (and the position, noted by applyFill): one balance_and_position push.
    this.#noteBalPos(o.account, 'filled', {
      ccys: o.contract ? [o.frozenCcy] : [o.baseCcy, o.quoteCcy],
      trade: { instId: o.instId, tradeId },
    });
  }

  #release(o: SimOrder): void {
    if (o.frozen.gt(0)) this.#ledger.unfreeze(o.account, o.frozenCcy, o.frozen);
    o.frozen = ZERO;
  }

  #finish(o: SimOrder, state: 'filled' | 'canceled', cancelSource = ''): void {
    o.state = state;
    o.cancelSource = state === 'canceled' ? cancelSource : '';
    o.uTime = this.#clock.now();
    this.#release(o);
    this.#emitOrder(o);
    this.#settleAttached(o);
  }

  /** A taker order that did not rest: ioc/fok remainders are canceled; a market order is done. */
  #finishTaker(o: SimOrder): void {
    if (o.ordType === 'market') {
      const inst = this.#instrument(o.instId)!;
      const left = remaining(o);
      const px = o.lastFill ? new Decimal(o.lastFill.px) : new Decimal(this.#market.last(o.instId));
      // A quote-sized order is complete when what is left cannot buy one more lot.
      const dust = o.tgtCcy === 'quote_ccy' ? left.lt(px.mul(inst.lotSz)) : left.lte(0);
      this.#finish(
        o,
        o.accFillSz.gt(0) && dust ? 'filled' : 'canceled',
        o.accFillSz.gt(0) && dust ? '' : CANCEL_IOC,
      );
    } else {
      this.#finish(o, 'canceled', o.ordType === 'fok' ? CANCEL_FOK : CANCEL_IOC);
    }
  }

  /** Public trades fill users' resting orders they reach, as maker at the order's own price (contracts.ts). */
  onPublicTrades(instId: string, trades: PublicTrade[]): void {
    const b = this.#books.get(instId);
    if (!b || (b.bids.length === 0 && b.asks.length === 0)) return;
    const touched = new Set<string>();
    for (const t of trades) {
      const tpx = new Decimal(t.px);
      for (const side of [b.bids, b.asks]) {
        let avail = new Decimal(t.sz);
        for (const o of [...side]) {
          if (avail.lte(0)) break;
          const reached = o.side === 'buy' ? o.px!.gte(tpx) : o.px!.lte(tpx);
          if (!reached) break;
          const q = Decimal.min(avail, remaining(o));
          this.#fill(o, o.px!, q, true, this.#nextTradeId());
          avail = avail.minus(q);
          touched.add(o.account);
          if (!isPending(o)) this.#unrest(o);
        }
      }
    }
    for (const a of touched) this.#emitAccount(a);
  }

  // ---- cancel ----

  cancelOrders(account: string, items: Record<string, unknown>[]): ItemResult[] {
    this.checkTimers();
    const now = String(this.#clock.now());
    const out = items.map((item): ItemResult => {
      const ordId = str(item.ordId);
      const clOrdId = str(item.clOrdId);
      const base = { ordId, clOrdId, ts: now };
      const instId = this.resolveInstId(item);
      if (!instId) return { ...base, ...fail('50014', 'instId') };
      if (!this.#instrument(instId)) return { ...base, ...fail('51001') };
      if (!ordId && !clOrdId) return { ...base, ...fail('51003') };
      const o = this.find(account, instId, ordId, clOrdId);
      if (!o || !isPending(o)) return { ...base, ...fail('51400') };
      this.#unrest(o);
      this.#finish(o, 'canceled', CANCEL_BY_USER);
      return { ordId: o.ordId, clOrdId: o.clOrdId, ts: now, sCode: '0', sMsg: '' };
    });
    this.#emitAccount(account);
    return out;
  }

  // ---- amend ----

  amendOrders(
    account: string,
    items: Record<string, unknown>[],
    opts: { expTimeMs?: number } = {},
  ): ItemResult[] {
    this.checkTimers();
    const now = this.#clock.now();
    const out = items.map((item) => {
      const ordId = str(item.ordId);
      const clOrdId = str(item.clOrdId);
      const reqId = str(item.reqId);
      const base = { ordId, clOrdId, ts: String(now), reqId };
      if (opts.expTimeMs !== undefined && now > opts.expTimeMs) return { ...base, ...fail('50037') };
      const r = this.#amendOne(account, item);
      // cxlOnFail: a failed amendment cancels the order (docs/OKX-PROTOCOL.md §7.4).
      if (r.sCode !== '0' && (item.cxlOnFail === true || item.cxlOnFail === 'true')) {
        const o = this.find(account, this.resolveInstId(item), ordId, clOrdId);
        if (o && isPending(o)) {
          this.#unrest(o);
          this.#finish(o, 'canceled', CANCEL_BY_USER);
        }
      }
      return { ...base, ...r };
    });
    this.#emitAccount(account);
    return out;
  }

  #amendOne(account: string, item: Record<string, unknown>): ItemResult {
    const instId = this.resolveInstId(item);
    if (!instId) return fail('50014', 'instId');
    const inst = this.#instrument(instId);
    if (!inst) return fail('51001');
    const ordId = str(item.ordId);
    const clOrdId = str(item.clOrdId);
    if (!ordId && !clOrdId) return fail('51003');
    const reqId = str(item.reqId);
    if (reqId && !CL_ORD_ID_PATTERN.test(reqId)) return fail('51000', 'reqId');
    const newSzText = str(item.newSz);
    const newPxText = str(item.newPx);
    if (!newSzText && !newPxText) return fail('50015', 'newSz', 'newPx');
    const o = this.find(account, instId, ordId, clOrdId);
    if (!o) return fail('51603');
    const ids = { ordId: o.ordId, clOrdId: o.clOrdId };
    if (!isPending(o)) return { ...ids, ...fail('51503') };
    let newSz = o.sz;
    let newPx = o.px!;
    if (newSzText) {
      if (!DECIMAL.test(newSzText) || new Decimal(newSzText).lte(0))
        return { ...ids, ...fail('51000', 'newSz') };
      newSz = new Decimal(newSzText);
      if (!isMultiple(newSz, inst.lotSz)) return { ...ids, ...fail('51121') };
    }
    if (newPxText) {
      if (
        !DECIMAL.test(newPxText) ||
        new Decimal(newPxText).lte(0) ||
        !isMultiple(new Decimal(newPxText), inst.tickSz)
      ) {
        return { ...ids, ...fail('51000', 'newPx') };
      }
      newPx = new Decimal(newPxText);
    }
    if (o.ordType === 'post_only' && !newPx.eq(o.px!) && this.#wouldTake(account, instId, o.side, newPx)) {
      return {
        ...ids,
        sCode: '51000',
        sMsg: 'Parameter newPx error: this post_only order would take liquidity',
      };
    }
    // newSz is the total size including what has filled; at or below it the order is done (docs/OKX-PROTOCOL.md §7.4).
    if (newSz.lte(o.accFillSz)) {
      this.#unrest(o);
      o.sz = newSz.gt(o.accFillSz) ? newSz : o.accFillSz;
      this.#finish(o, 'filled');
      return { ...ids, sCode: '0', sMsg: '' };
    }
    const left = newSz.minus(o.accFillSz);
    const needed = o.side === 'buy' ? newPx.mul(left) : left;
    const delta = needed.minus(o.frozen);
    if (delta.gt(0) && !this.#ledger.freeze(account, o.frozenCcy, delta)) return { ...ids, ...fail('51008') };
    if (delta.lt(0)) this.#ledger.unfreeze(account, o.frozenCcy, delta.neg());
    o.frozen = needed;
    // A new price or a larger size loses queue priority; a smaller size keeps it.
    const losesPriority = !newPx.eq(o.px!) || newSz.gt(o.sz);
    this.#unrest(o);
    o.px = newPx;
    o.sz = newSz;
    o.uTime = this.#clock.now();
    if (losesPriority) o.seq = ++this.#prioritySeq;
    this.#emitOrder(o);
    this.#execute(o);
    if (isPending(o)) this.#rest(o);
    return { ...ids, sCode: '0', sMsg: '' };
  }

  // ---- queries ----

  getOrder(
    account: string,
    instId: string,
    ordId: string,
    clOrdId: string,
  ): Record<string, unknown> | undefined {
    this.checkTimers();
    const o = this.find(account, instId, ordId, clOrdId);
    return o ? orderToOkx(o) : undefined;
  }

  #accountOrders(account: string): SimOrder[] {
    return [...this.#orders.values()].filter((o) => o.account === account);
  }

  /** Newest first, OKX paging by ordId: `after` = older than, `before` = newer than. */
  #page<T>(rows: T[], id: (r: T) => string, q: Record<string, string>): T[] {
    let out = rows;
    const after = q.after;
    const before = q.before;
    const cmp = (a: string, b: string) =>
      a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
    if (after) out = out.filter((r) => cmp(id(r), after) < 0);
    if (before) out = out.filter((r) => cmp(id(r), before) > 0);
    const limit = Math.min(100, Math.max(1, Number(q.limit) || 100));
    return out.slice(0, limit);
  }

  ordersPending(account: string, q: Record<string, string>): Record<string, unknown>[] {
    this.checkTimers();
    let rows = this.#accountOrders(account).filter(isPending);
    rows = this.#filterOrders(rows, q);
    rows.sort((a, b) => (a.ordId < b.ordId ? 1 : a.ordId > b.ordId ? -1 : 0));
    return this.#page(rows, (o) => o.ordId, q).map(orderToOkx);
  }

  ordersHistory(account: string, q: Record<string, string>): Record<string, unknown>[] {
    this.checkTimers();
    const now = this.#clock.now();
    // Canceled orders that never filled stay in orders-history for 2 hours only (docs/OKX-PROTOCOL.md §7.4).
    let rows = this.#accountOrders(account).filter(
      (o) =>
        !isPending(o) &&
        !(o.state === 'canceled' && o.accFillSz.isZero() && now - o.uTime > CANCELED_KEEP_MS),
    );
    rows = this.#filterOrders(rows, q);
    if (q.begin) rows = rows.filter((o) => o.cTime >= Number(q.begin));
    if (q.end) rows = rows.filter((o) => o.cTime <= Number(q.end));
    rows.sort((a, b) => (a.ordId < b.ordId ? 1 : a.ordId > b.ordId ? -1 : 0));
    return this.#page(rows, (o) => o.ordId, q).map(orderToOkx);
  }

  #filterOrders(rows: SimOrder[], q: Record<string, string>): SimOrder[] {
    let out = rows;
    if (q.instType) out = out.filter((o) => (o.contract?.instType ?? 'SPOT') === q.instType);
    if (q.instId) out = out.filter((o) => o.instId === q.instId);
    if (q.ordType) {
      const types = q.ordType.split(',');
      out = out.filter((o) => types.includes(o.ordType));
    }
    if (q.state) out = out.filter((o) => o.state === q.state);
    return out;
  }

  fills(account: string, q: Record<string, string>): Record<string, string>[] {
    let rows = [...(this.#fills.get(account) ?? [])].reverse();
    if (q.instType) rows = rows.filter((f) => f.instType === q.instType);
    if (q.instId) rows = rows.filter((f) => f.instId === q.instId);
    if (q.ordId) rows = rows.filter((f) => f.ordId === q.ordId);
    if (q.begin) rows = rows.filter((f) => Number(f.ts) >= Number(q.begin));
    if (q.end) rows = rows.filter((f) => Number(f.ts) <= Number(q.end));
    return this.#page(rows, (f) => f.billId!, q);
  }

  bills(account: string, q: Record<string, string>): Record<string, string>[] {
    let rows = [...this.#ledger.account(account).bills].reverse();
    if (q.instType) rows = rows.filter((b) => b.instType === q.instType);
    if (q.instId) rows = rows.filter((b) => b.instId === q.instId);
    if (q.ccy) rows = rows.filter((b) => b.ccy === q.ccy);
    if (q.type) rows = rows.filter((b) => b.type === q.type);
    if (q.subType) rows = rows.filter((b) => b.subType === q.subType);
    if (q.begin) rows = rows.filter((b) => Number(b.ts) >= Number(q.begin));
    if (q.end) rows = rows.filter((b) => Number(b.ts) <= Number(q.end));
    return this.#page(rows, (b) => b.billId!, q);
  }

  fundingBills(account: string, q: Record<string, string>): Record<string, string>[] {
    let rows = [...this.#ledger.account(account).fundingBills].reverse();
    if (q.ccy) rows = rows.filter((b) => b.ccy === q.ccy);
    if (q.type) rows = rows.filter((b) => b.type === q.type);
    return this.#page(rows, (b) => b.billId!, q);
  }

  // ---- balances ----

  #usdPrice(ccy: string): Decimal {
    if (ccy === 'USDT' || ccy === 'USDC' || ccy === 'USD') return new Decimal(1);
    const instId = `${ccy}-USDT`;
    return this.#market.instrument(instId) ? new Decimal(this.#market.last(instId)) : ZERO;
  }

  // long: one OKX response shape: the fields of GET /account/balance listed in OKX order
  /** GET /account/balance data[0] (docs/OKX-PROTOCOL.md §7.3): spot-mode fields, inapplicable ones "". */
  balance(account: string, ccys?: string[]): Record<string, unknown> {
    const a = this.#ledger.account(account);
    let totalEq = ZERO;
    let uTime = 0;
    const details: Record<string, unknown>[] = [];
    let borrowUsd = ZERO;
    let loanMmrUsd = ZERO;
    for (const [ccy, b] of [...a.trading.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
      if (ccys && !ccys.includes(ccy)) continue;
      // A liability counts against equity (docs/OKX-PROTOCOL.md §12).
      const liab = this.#ledger.liability(account, ccy);
      // Currencies with cashBal and eq both 0 are omitted.
      if (b.cash.isZero() && liab.isZero()) continue;
      const contract = this.derivs.balanceFields(account, ccy);
      const eqCcy = contract?.eq ? new Decimal(contract.eq) : b.cash.minus(liab);
      const px = this.#usdPrice(ccy);
      const eqUsd = eqCcy.mul(px);
      totalEq = totalEq.plus(eqUsd);
      uTime = Math.max(uTime, b.uTime);
      const loanMmr = liab.mul(LOAN_MMR_RATE);
      borrowUsd = borrowUsd.plus(liab.mul(px));
      loanMmrUsd = loanMmrUsd.plus(loanMmr.mul(px));
      const loanFields = liab.isZero()
        ? {}
        : {
            liab: liab.toFixed(),
            crossLiab: liab.toFixed(),
            interest: '0',
            mmr: loanMmr.toFixed(),
            mgnRatio: eqCcy.div(loanMmr).toDecimalPlaces(8).toFixed(),
          };
      details.push({
        ccy,
        eq: eqCcy.toFixed(),
        cashBal: b.cash.toFixed(),
        uTime: String(b.uTime),
        isoEq: '0',
        availEq: '',
        disEq: eqUsd.toFixed(),
        fixedBal: '0',
        availBal: b.cash.minus(b.frozen).toFixed(),
        frozenBal: b.frozen.toFixed(),
        ordFrozen: b.frozen.toFixed(),
        liab: '',
        upl: '',
        uplLiab: '',
        crossLiab: '',
        rewardBal: '0',
        isoLiab: '',
        mgnRatio: '',
        imr: '',
        mmr: '',
        interest: '',
        twap: '0',
        maxLoan:
          this.loans.hourlyRate(ccy) && this.loans.canBorrow(account)
            ? this.loans.maxLoan(account, ccy).toFixed()
            : '',
        eqUsd: eqUsd.toFixed(),
        borrowFroz: '',
        notionalLever: '',
        stgyEq: '0',
        isoUpl: '',
        spotInUseAmt: '',
        clSpotInUseAmt: '',
        maxSpotInUse: '',
        spotIsoBal: '0',
        smtSyncEq: '0',
        spotCopyTradingEq: '0',
        spotBal: '',
        openAvgPx: '',
        accAvgPx: '',
        spotUpl: '',
        spotUplRatio: '',
        totalPnl: '',
        totalPnlRatio: '',
        colRes: '0',
        colBorrAutoConversion: '0',
        autoLendStatus: 'off',
        autoLendMtAmt: '0',
        collateralEnabled: false,
        collateralRestrict: false,
        ...loanFields,
        ...contract,
      });
    }
    // Multi-currency and portfolio margin report one account-wide ratio: equity over the
    // maintenance margin (here, of the liabilities) in USD.
    const multi = ['3', '4'].includes(this.derivs.settings(account).acctLv) && loanMmrUsd.gt(0);
    return {
      uTime: String(uTime || this.#clock.now()),
      totalEq: totalEq.toFixed(),
      isoEq: '0',
      adjEq: multi ? totalEq.toFixed() : '',
      availEq: '',
      ordFroz: '',
      imr: '',
      mmr: multi ? loanMmrUsd.toFixed() : '',
      borrowFroz: '',
      mgnRatio: multi ? totalEq.div(loanMmrUsd).toDecimalPlaces(8).toFixed() : '',
      notionalUsd: '',
      notionalUsdForBorrow: borrowUsd.isZero() ? '' : borrowUsd.toFixed(),
      notionalUsdForSwap: '',
      notionalUsdForFutures: '',
      notionalUsdForOption: '',
      upl: '',
      details,
    };
  }

  /** GET /asset/balances: funding account, only balances > 0. */
  fundingBalances(account: string, ccys?: string[]): Record<string, string>[] {
    const a = this.#ledger.account(account);
    return [...a.funding.entries()]
      .filter(([ccy, b]) => b.cash.gt(0) && (!ccys || ccys.includes(ccy)))
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([ccy, b]) => ({
        ccy,
        bal: b.cash.toFixed(),
        frozenBal: b.frozen.toFixed(),
        availBal: b.cash.minus(b.frozen).toFixed(),
      }));
  }

  // ---- cancel-all-after (docs/OKX-PROTOCOL.md §7.4) ----

  /** Sets, resets or disables (timeOut "0") the account-level or tag-level timer. */
  cancelAllAfter(account: string, timeOutText: string, tag: string): Record<string, string> {
    this.checkTimers();
    if (!/^\d+$/.test(timeOutText)) throw new EngineRequestError('51000', errorMessage('51000', 'timeOut'));
    const timeOut = Number(timeOutText);
    if (timeOut !== 0 && (timeOut < 10 || timeOut > 120)) {
      throw new EngineRequestError('51000', errorMessage('51000', 'timeOut'));
    }
    if (tag && !TAG_PATTERN.test(tag)) throw new EngineRequestError('51000', errorMessage('51000', 'tag'));
    let t = this.#timers.get(account);
    if (!t) this.#timers.set(account, (t = { account: 0, tags: new Map() }));
    const now = this.#clock.now();
    const trigger = timeOut === 0 ? 0 : now + timeOut * 1000;
    if (tag) {
      if (trigger === 0) t.tags.delete(tag);
      else {
        if (!t.tags.has(tag) && t.tags.size >= MAX_TAG_TIMERS) {
          throw new EngineRequestError('51071', errorMessage('51071'));
        }
        t.tags.set(tag, trigger);
      }
    } else {
      t.account = trigger;
    }
    return { triggerTime: String(Math.floor(trigger / 1000)), tag, ts: String(Math.floor(now / 1000)) };
  }

  /** Fires every cancel-all-after timer that is due on the sim clock, then funding and liquidation. */
  checkTimers(): void {
    const now = this.#clock.now();
    this.loans.accrue();
    if (
      this.derivs.all().length > 0 ||
      now >= this.derivs.lastFundingTime() + 8 * 3_600_000 ||
      now >= this.derivs.nextExpiry()
    ) {
      this.#market.advanceTo(now);
      this.oneEvent(() => this.derivs.check());
    }
    if (this.algos.hasLive()) {
      this.#market.advanceTo(now);
      this.algos.check();
    }
    for (const [account, t] of this.#timers) {
      if (t.account !== 0 && now >= t.account) {
        t.account = 0;
        this.#cancelWhere(account, () => true);
      }
      for (const [tag, at] of t.tags) {
        if (now >= at) {
          t.tags.delete(tag);
          this.#cancelWhere(account, (o) => o.tag === tag);
        }
      }
    }
  }

  #cancelWhere(account: string, pred: (o: SimOrder) => boolean, source = CANCEL_ALL_AFTER): void {
    let any = false;
    for (const o of this.#accountOrders(account)) {
      if (isPending(o) && pred(o)) {
        this.#unrest(o);
        this.#finish(o, 'canceled', source);
        any = true;
      }
    }
    if (any) this.#emitAccount(account);
  }
}

/** The trade-endpoint envelope: "0" all ok, "1" all failed, "2" some failed (docs/OKX-PROTOCOL.md §7.1). */
export function tradeEnvelope(items: ItemResult[], inTimeUs: string, outTimeUs: string): TradeEnvelope {
  const failed = items.filter((i) => i.sCode !== '0').length;
  const code = failed === 0 ? '0' : failed === items.length ? '1' : '2';
  const msg =
    code === '0' ? '' : code === '1' ? 'All operations failed' : 'Bulk operation partially succeeded';
  return { code, msg, data: items, inTime: inTimeUs, outTime: outTimeUs };
}

export type { SimOrder } from './order.js';
