import { ExchangeDecimal as Decimal } from '../../util/decimal.js';
import type { Clock } from '../../util/clock.js';
import { OkxkitError } from '../../util/errors.js';
import type { PositionRow, SimInstrument, SimMarketApi } from '../contracts.js';
import type { Ledger } from './ledger.js';
import { LOAN_MMR_RATE } from './loans.js';
import {
  FUNDING_INTEREST,
  FUNDING_PERIOD_MS,
  nextFundingTime,
  positionTiers,
  Pricing,
  tierFor,
} from './pricing.js';

/**
 * Positions of SWAP and FUTURES contracts: account modes, position modes, leverage, cross and
 * isolated margin, mark-to-market, funding every 8 h and liquidation. The formulas are written
 * down in docs/SIMULATOR.md. Money is Decimal; a linear contract (USDT-margined) settles in the
 * quote, an inverse one (coin-margined) in the base coin.
 */

export type MgnMode = 'cross' | 'isolated';
export type PosSide = 'net' | 'long' | 'short';
export type AcctLv = '1' | '2' | '3' | '4';
export type PosMode = 'net_mode' | 'long_short_mode';

export interface SimPosition {
  account: string;
  inst: SimInstrument;
  mgnMode: MgnMode;
  posSide: PosSide;
  /** Contracts; signed in net mode (negative = short), positive in long/short mode. */
  pos: Decimal;
  avgPx: Decimal;
  lever: Decimal;
  /** Isolated: the position's margin (posBal). Cross: the initial margin held frozen at entry. */
  margin: Decimal;
  realizedPnl: Decimal;
  fee: Decimal;
  fundingFee: Decimal;
  liqPenalty: Decimal;
  posId: string;
  cTime: number;
  uTime: number;
  tradeId: string;
  /** The last liquidation warning was sent at this margin ratio band (reset when safe). */
  warned: boolean;
}

export interface DerivSettings {
  acctLv: AcctLv;
  posMode: PosMode;
  /** instId|mgnMode|posSide -> leverage */
  levers: Map<string, Decimal>;
}

/** What the derivatives part tells the engine's listeners. */
export interface DerivEvents {
  /** A position changed; `eventType` is the balance_and_position event it belongs to (filled, funding_fee, ...). */
  position(account: string, p: SimPosition, eventType: string): void;
  liquidationWarning(account: string, p: SimPosition): void;
  /** Cash of these currencies changed outside a trade (funding, liquidation, delivery, isolated margin moves). */
  balance(account: string, ccys: string[], eventType: string): void;
  /** A future is about to deliver: its pending orders and algo orders are canceled first. */
  expiring?(instId: string): void;
}

/** One delivered future, as GET /public/delivery-exercise-history reports it. */
export interface DeliveryRecord {
  /** The delivery time (the contract's expTime), ms. */
  ts: number;
  instId: string;
  /** The instrument family (uly). */
  uly: string;
  /** The delivery price. */
  px: string;
}

const HOUR_MS = 3_600_000;

/** A rejection by the local exchange: `code` is the OKX code it answers with, `params` fill its message. */
export class DerivError extends OkxkitError {
  constructor(
    code: string,
    readonly params: string[] = [],
  ) {
    super(code, { code });
  }
}

const ONE = new Decimal(1);
const ZERO = new Decimal(0);
export const DEFAULT_LEVER = new Decimal(10);
/** OKX regular tier, perpetual and futures: maker 0.02 %, taker 0.05 %. */
export const CONTRACT_MAKER_RATE = new Decimal('0.0002');
export const CONTRACT_TAKER_RATE = new Decimal('0.0005');
/** A liquidation warning goes out when the margin ratio falls to 300 %; liquidation at 100 %. */
const WARN_RATIO = new Decimal(3);
const LIQ_RATIO = ONE;

export interface FundingRecord {
  instId: string;
  fundingRate: string;
  realizedRate: string;
  fundingTime: number;
}

export class Derivatives {
  readonly pricing: Pricing;
  readonly #settings = new Map<string, DerivSettings>();
  readonly #positions = new Map<string, SimPosition>();
  readonly #history: SimPosition[] = [];
  readonly #funding: FundingRecord[] = [];
  readonly #deliveries: DeliveryRecord[] = [];
  /** Delivered once, even where the market cannot take the contract off its list. */
  readonly #delivered = new Set<string>();
  #lastFunding: number;
  #posSeq = 0;

  constructor(
    private readonly ledger: Ledger,
    private readonly market: SimMarketApi,
    private readonly clock: Clock,
    private readonly events: DerivEvents,
    private readonly nextBillTrade: () => string,
    defaults: Record<string, { acctLv?: AcctLv; posMode?: PosMode }> = {},
  ) {
    this.pricing = new Pricing(market);
    const now = clock.now();
    this.#lastFunding = Math.floor(now / FUNDING_PERIOD_MS) * FUNDING_PERIOD_MS;
    // A fresh exchange already has a funding history: ten past periods at the interest rate.
    for (const inst of market.instruments().filter((i) => i.instType === 'SWAP')) {
      for (let k = 9; k >= 0; k--) {
        const r = FUNDING_INTEREST.toFixed();
        this.#funding.push({
          instId: inst.instId,
          fundingRate: r,
          realizedRate: r,
          fundingTime: this.#lastFunding - k * FUNDING_PERIOD_MS,
        });
      }
    }
    for (const [name, d] of Object.entries(defaults)) {
      this.#settings.set(name, {
        acctLv: d.acctLv ?? '2',
        posMode: d.posMode ?? 'net_mode',
        levers: new Map(),
      });
    }
  }

  settings(account: string): DerivSettings {
    let s = this.#settings.get(account);
    if (!s) this.#settings.set(account, (s = { acctLv: '2', posMode: 'net_mode', levers: new Map() }));
    return s;
  }

  // ---- settings ----

  hasPositions(account: string): boolean {
    return this.list(account).length > 0;
  }

  setAccountLevel(account: string, acctLv: string, hasOrders: boolean): Record<string, string> {
    if (!['1', '2', '3', '4'].includes(acctLv)) throw new DerivError('51000', ['acctLv']);
    if (this.hasPositions(account) || hasOrders) throw new DerivError('59000');
    this.settings(account).acctLv = acctLv as AcctLv;
    return { acctLv };
  }

  setPositionMode(account: string, posMode: string, hasOrders: boolean): Record<string, string> {
    if (posMode !== 'net_mode' && posMode !== 'long_short_mode') throw new DerivError('51000', ['posMode']);
    if (this.hasPositions(account) || hasOrders) throw new DerivError('59000');
    this.settings(account).posMode = posMode;
    return { posMode };
  }

  #leverKey(instId: string, mgnMode: MgnMode, posSide: PosSide): string {
    return `${instId}|${mgnMode}|${posSide}`;
  }

  /** The leverage an order or position of this instrument, margin mode and side uses. */
  lever(account: string, instId: string, mgnMode: MgnMode, posSide: PosSide): Decimal {
    const l = this.settings(account).levers;
    // Cross leverage is one per instrument; isolated long/short each have their own.
    const side = mgnMode === 'cross' || posSide === 'net' ? 'net' : posSide;
    return l.get(this.#leverKey(instId, mgnMode, side)) ?? DEFAULT_LEVER;
  }

  /** POST /account/set-leverage for one instrument (by instId) or every contract settled in `ccy`. */
  setLeverage(account: string, item: Record<string, unknown>): Record<string, string>[] {
    const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
    const leverText = str(item.lever);
    const mgnMode = str(item.mgnMode);
    const instId = str(item.instId);
    const ccy = str(item.ccy);
    let posSide = str(item.posSide);
    if (!leverText) throw new DerivError('50014', ['lever']);
    if (!mgnMode) throw new DerivError('50014', ['mgnMode']);
    if (mgnMode !== 'cross' && mgnMode !== 'isolated') throw new DerivError('51000', ['mgnMode']);
    if (!instId && !ccy) throw new DerivError('50014', ['instId']);
    if (!/^\d+(\.\d+)?$/.test(leverText) || new Decimal(leverText).lt(ONE))
      throw new DerivError('51000', ['lever']);
    const lever = new Decimal(leverText);
    const s = this.settings(account);
    if (posSide && !['long', 'short', 'net'].includes(posSide)) throw new DerivError('51000', ['posSide']);
    if (
      mgnMode === 'isolated' &&
      s.posMode === 'long_short_mode' &&
      posSide !== 'long' &&
      posSide !== 'short'
    )
      throw new DerivError('50014', ['posSide']);
    if (mgnMode === 'cross' || s.posMode === 'net_mode') posSide = 'net';
    const insts = instId
      ? [this.market.instrument(instId)].filter((i) => i !== undefined)
      : this.market.instruments().filter((i) => i.contract?.settleCcy === ccy);
    if (insts.length === 0) throw new DerivError('51001');
    const out: Record<string, string>[] = [];
    for (const inst of insts) {
      if (!inst.contract) throw new DerivError('51000', ['instId']);
      if (lever.gt(inst.contract.lever)) throw new DerivError('59102');
      // A leverage that the open position's tier does not allow is refused (position tiers).
      for (const p of this.#matching(account, inst.instId, mgnMode, posSide as PosSide)) {
        if (lever.gt(tierFor(inst, p.pos.abs()).maxLever)) throw new DerivError('59102');
      }
      s.levers.set(this.#leverKey(inst.instId, mgnMode, posSide as PosSide), lever);
      for (const p of this.#matching(account, inst.instId, mgnMode, posSide as PosSide)) {
        this.#relever(p, lever);
      }
      out.push({ lever: lever.toFixed(), mgnMode, instId: inst.instId, posSide });
    }
    return out;
  }

  /** A new leverage re-margins an open position: cross re-holds, isolated moves margin. */
  #relever(p: SimPosition, lever: Decimal): void {
    const ccy = p.inst.contract!.settleCcy;
    const need = this.#entryMargin(p.inst, p.pos.abs(), p.avgPx, lever);
    const delta = need.minus(p.margin);
    if (p.mgnMode === 'cross') {
      if (delta.gt(0)) this.ledger.hold(p.account, ccy, delta);
      else this.ledger.unfreeze(p.account, ccy, delta.neg());
    } else if (!delta.isZero()) {
      if (delta.gt(0) && this.ledger.available(p.account, ccy).lt(delta)) throw new DerivError('51008');
      this.ledger.change(p.account, ccy, delta.neg(), {
        type: '6',
        subType: delta.gt(0) ? '160' : '161',
        instType: p.inst.instType,
        instId: p.inst.instId,
        mgnMode: 'isolated',
        posBal: p.margin.plus(delta).toFixed(),
        posBalChg: delta.toFixed(),
      });
    }
    p.margin = need;
    p.lever = lever;
    p.uTime = this.clock.now();
    this.events.position(p.account, p, 'set_leverage');
    if (p.mgnMode === 'isolated' && !delta.isZero()) this.events.balance(p.account, [ccy], 'set_leverage');
  }

  leverageInfo(account: string, instId: string, mgnMode: MgnMode): Record<string, string>[] {
    const sides: PosSide[] =
      mgnMode === 'isolated' && this.settings(account).posMode === 'long_short_mode'
        ? ['long', 'short']
        : ['net'];
    return sides.map((posSide) => ({
      instId,
      mgnMode,
      posSide,
      lever: this.lever(account, instId, mgnMode, posSide).toFixed(),
    }));
  }

  // ---- positions ----

  #key(account: string, instId: string, mgnMode: MgnMode, posSide: PosSide): string {
    return `${account}|${instId}|${mgnMode}|${posSide}`;
  }

  #matching(account: string, instId: string, mgnMode: MgnMode, posSide: PosSide): SimPosition[] {
    return [...this.#positions.values()].filter(
      (p) =>
        p.account === account &&
        p.inst.instId === instId &&
        p.mgnMode === mgnMode &&
        (posSide === 'net' || p.posSide === posSide),
    );
  }

  list(account: string): SimPosition[] {
    return [...this.#positions.values()].filter((p) => p.account === account && !p.pos.isZero());
  }

  all(): SimPosition[] {
    return [...this.#positions.values()].filter((p) => !p.pos.isZero());
  }

  find(account: string, instId: string, mgnMode: MgnMode, posSide: PosSide): SimPosition | undefined {
    const p = this.#positions.get(this.#key(account, instId, mgnMode, posSide));
    return p && !p.pos.isZero() ? p : undefined;
  }

  closedPositions(account: string): SimPosition[] {
    return this.#history.filter((p) => p.account === account);
  }

  /** Contract value in the settlement currency at `px`, for `size` contracts. */
  value(inst: SimInstrument, size: Decimal, px: Decimal): Decimal {
    const c = inst.contract!;
    return c.ctType === 'linear' ? size.mul(c.ctVal).mul(px) : size.mul(c.ctVal).div(px);
  }

  /** Notional in USD at `px`. */
  notionalUsd(inst: SimInstrument, size: Decimal, px: Decimal): Decimal {
    const c = inst.contract!;
    return c.ctType === 'linear' ? size.mul(c.ctVal).mul(px) : size.mul(c.ctVal);
  }

  #entryMargin(inst: SimInstrument, size: Decimal, px: Decimal, lever: Decimal): Decimal {
    return this.value(inst, size, px).div(lever);
  }

  /** Unrealised PnL of a position at `px`, in the settlement currency. */
  upl(p: SimPosition, px: Decimal): Decimal {
    const c = p.inst.contract!;
    const signed = p.posSide === 'short' ? p.pos.neg() : p.pos;
    if (p.pos.isZero()) return ZERO;
    return c.ctType === 'linear'
      ? signed.mul(c.ctVal).mul(px.minus(p.avgPx))
      : signed.mul(c.ctVal).mul(ONE.div(p.avgPx).minus(ONE.div(px)));
  }

  /** Direction of an order on a position: how much of `sz` closes, how much opens. */
  split(
    account: string,
    inst: SimInstrument,
    mgnMode: MgnMode,
    posSide: PosSide,
    side: 'buy' | 'sell',
    sz: Decimal,
  ): { close: Decimal; open: Decimal } {
    const p = this.find(account, inst.instId, mgnMode, posSide);
    if (posSide === 'net') {
      const pos = p?.pos ?? ZERO;
      const against = (side === 'buy' && pos.lt(0)) || (side === 'sell' && pos.gt(0));
      const close = against ? Decimal.min(sz, pos.abs()) : ZERO;
      return { close, open: sz.minus(close) };
    }
    const closing = (posSide === 'long' && side === 'sell') || (posSide === 'short' && side === 'buy');
    return closing ? { close: sz, open: ZERO } : { close: ZERO, open: sz };
  }

  /** Margin an order holds for the contracts it may open, at `px`. */
  orderMargin(inst: SimInstrument, openSz: Decimal, px: Decimal, lever: Decimal): Decimal {
    return this.#entryMargin(inst, openSz, px, lever);
  }

  // long: one fill updates position, average price, margin and PnL for linear and inverse contracts together
  /**
   * Books one execution of a contract order: fee, realised PnL, margin, the position, one bill in
   * the settlement currency. Returns the fee (negative = charged) and the PnL.
   */
  applyFill(
    o: { account: string; instId: string; side: 'buy' | 'sell'; mgnMode: MgnMode; posSide: PosSide },
    inst: SimInstrument,
    px: Decimal,
    q: Decimal,
    maker: boolean,
    bill: Record<string, string>,
  ): { fee: Decimal; pnl: Decimal; posAfter: SimPosition } {
    const c = inst.contract!;
    const ccy = c.settleCcy;
    const now = this.clock.now();
    const rate = maker ? CONTRACT_MAKER_RATE : CONTRACT_TAKER_RATE;
    const fee = this.value(inst, q, px).mul(rate);
    const key = this.#key(o.account, inst.instId, o.mgnMode, o.posSide);
    let p = this.#positions.get(key);
    if (!p || p.pos.isZero()) {
      p = {
        account: o.account,
        inst,
        mgnMode: o.mgnMode,
        posSide: o.posSide,
        pos: ZERO,
        avgPx: px,
        lever: this.lever(o.account, inst.instId, o.mgnMode, o.posSide),
        margin: ZERO,
        realizedPnl: ZERO,
        fee: ZERO,
        fundingFee: ZERO,
        liqPenalty: ZERO,
        posId: String(1_000_000_000 + ++this.#posSeq),
        cTime: now,
        uTime: now,
        tradeId: '',
        warned: false,
      };
      this.#positions.set(key, p);
    }
    const { close, open } = this.split(o.account, inst, o.mgnMode, o.posSide, o.side, q);
    let pnl = ZERO;
    let cashChg = fee.neg();
    let posBalChg = ZERO;
    const before = p.pos.abs();
    if (close.gt(0)) {
      const sign = p.posSide === 'short' || p.pos.lt(0) ? -1 : 1;
      pnl =
        c.ctType === 'linear'
          ? close.mul(c.ctVal).mul(px.minus(p.avgPx)).mul(sign)
          : close
              .mul(c.ctVal)
              .mul(ONE.div(p.avgPx).minus(ONE.div(px)))
              .mul(sign);
      const freed = p.margin.mul(close).div(before);
      if (p.mgnMode === 'isolated') {
        cashChg = cashChg.plus(freed);
        posBalChg = posBalChg.minus(freed);
      } else this.ledger.unfreeze(o.account, ccy, freed);
      p.margin = p.margin.minus(freed);
      p.pos = p.posSide === 'net' ? p.pos.plus(o.side === 'buy' ? close : close.neg()) : p.pos.minus(close);
      p.realizedPnl = p.realizedPnl.plus(pnl);
    }
    if (open.gt(0)) {
      const size = p.pos.abs();
      // linear: size-weighted price; inverse: size-weighted in 1/price.
      p.avgPx = size.isZero()
        ? px
        : c.ctType === 'linear'
          ? p.avgPx.mul(size).plus(px.mul(open)).div(size.plus(open))
          : size.plus(open).div(size.div(p.avgPx).plus(open.div(px)));
      if (size.isZero()) p.lever = this.lever(o.account, inst.instId, o.mgnMode, o.posSide);
      const m = this.#entryMargin(inst, open, px, p.lever);
      if (p.mgnMode === 'isolated') {
        cashChg = cashChg.minus(m);
        posBalChg = posBalChg.plus(m);
      } else this.ledger.hold(o.account, ccy, m);
      p.margin = p.margin.plus(m);
      p.pos = p.posSide === 'net' ? p.pos.plus(o.side === 'buy' ? open : open.neg()) : p.pos.plus(open);
    }
    cashChg = cashChg.plus(pnl);
    p.fee = p.fee.minus(fee);
    p.uTime = now;
    p.tradeId = bill.tradeId ?? '';
    const subType =
      p.posSide === 'net'
        ? o.side === 'buy'
          ? '1'
          : '2'
        : close.gt(0)
          ? p.posSide === 'long'
            ? '5'
            : '6'
          : p.posSide === 'long'
            ? '3'
            : '4';
    this.ledger.change(o.account, ccy, cashChg, {
      ...bill,
      subType,
      fee: fee.neg().toFixed(),
      pnl: pnl.toFixed(),
      // posBal is the isolated margin; a cross position has none of its own.
      posBal: p.mgnMode === 'isolated' ? p.margin.toFixed() : '0',
      posBalChg: posBalChg.toFixed(),
    });
    if (p.pos.isZero()) this.#closeOut(p);
    this.events.position(o.account, p, 'filled');
    return { fee: fee.neg(), pnl, posAfter: p };
  }

  #closeOut(p: SimPosition): void {
    if (p.mgnMode === 'cross' && p.margin.gt(0))
      this.ledger.unfreeze(p.account, p.inst.contract!.settleCcy, p.margin);
    p.margin = ZERO;
    this.#history.push({ ...p, pos: ZERO });
    this.#positions.delete(this.#key(p.account, p.inst.instId, p.mgnMode, p.posSide));
  }

  /** POST /account/position/margin-balance: add or reduce an isolated position's margin. */
  marginBalance(account: string, item: Record<string, unknown>): Record<string, string> {
    const instId = String(item.instId ?? '');
    const posSide = String(item.posSide ?? '') as PosSide;
    const type = String(item.type ?? '');
    const amtText = String(item.amt ?? '');
    if (!instId) throw new DerivError('50014', ['instId']);
    if (!posSide) throw new DerivError('50014', ['posSide']);
    if (type !== 'add' && type !== 'reduce') throw new DerivError('51000', ['type']);
    if (!/^\d+(\.\d+)?$/.test(amtText) || new Decimal(amtText).lte(0)) throw new DerivError('51000', ['amt']);
    const p = this.find(account, instId, 'isolated', posSide);
    if (!p) throw new DerivError('51023');
    const amt = new Decimal(amtText);
    const ccy = p.inst.contract!.settleCcy;
    if (type === 'add' && this.ledger.available(account, ccy).lt(amt)) throw new DerivError('51008');
    if (type === 'reduce' && p.margin.minus(amt).lt(this.value(p.inst, p.pos.abs(), p.avgPx).div(p.lever)))
      throw new DerivError('59301');
    const delta = type === 'add' ? amt : amt.neg();
    p.margin = p.margin.plus(delta);
    this.ledger.change(account, ccy, delta.neg(), {
      type: '6',
      subType: type === 'add' ? '160' : '161',
      instType: p.inst.instType,
      instId,
      mgnMode: 'isolated',
      posBal: p.margin.toFixed(),
      posBalChg: delta.toFixed(),
    });
    this.events.position(account, p, 'adjust_margin');
    this.events.balance(account, [ccy], 'adjust_margin');
    return { amt: amt.toFixed(), ccy, instId, leverage: p.lever.toFixed(), posSide, type };
  }

  /**
   * The contract fields of a currency's balance row: equity with unrealised PnL and isolated
   * margin, the cross initial/maintenance margin and ratio, and what orders (not positions) hold.
   * Undefined when the currency margins no position.
   */
  balanceFields(account: string, ccy: string): Record<string, string> | undefined {
    const ps = this.list(account).filter((p) => p.inst.contract!.settleCcy === ccy);
    if (ps.length === 0) return undefined;
    const x = this.crossEquity(account, ccy);
    let isoEq = ZERO;
    let isoUpl = ZERO;
    let crossHold = ZERO;
    for (const p of ps) {
      if (p.mgnMode === 'isolated') {
        const u = this.upl(p, this.pricing.mark(p.inst));
        isoEq = isoEq.plus(p.margin).plus(u);
        isoUpl = isoUpl.plus(u);
      } else crossHold = crossHold.plus(p.margin);
    }
    const b = this.ledger.balance(account, ccy);
    return {
      eq: x.eq.plus(isoEq).toFixed(),
      isoEq: isoEq.toFixed(),
      upl: x.upl.plus(isoUpl).toFixed(),
      isoUpl: isoUpl.toFixed(),
      imr: x.imr.toFixed(),
      mmr: x.mmr.toFixed(),
      mgnRatio: x.mmr.isZero() ? '' : x.eq.div(x.mmr).toDecimalPlaces(8).toFixed(),
      ordFrozen: Decimal.max(ZERO, b.frozen.minus(crossHold)).toFixed(),
      availEq: Decimal.max(ZERO, x.eq.minus(b.frozen)).toFixed(),
      notionalLever: '',
    };
  }

  // ---- risk ----

  /** Maintenance margin of a position at the mark, in its settlement currency. */
  mmr(p: SimPosition, mark: Decimal): Decimal {
    return this.value(p.inst, p.pos.abs(), mark).mul(tierFor(p.inst, p.pos.abs()).mmr);
  }

  /**
   * Cross equity of a settlement currency: cash less what is borrowed of it, plus every cross
   * position's upl; the liability also needs maintenance margin (docs/OKX-PROTOCOL.md §12).
   */
  crossEquity(account: string, ccy: string): { eq: Decimal; upl: Decimal; mmr: Decimal; imr: Decimal } {
    const liab = this.ledger.liability(account, ccy);
    const cash = this.ledger.balance(account, ccy).cash.minus(liab);
    let upl = ZERO;
    let mmr = liab.mul(LOAN_MMR_RATE);
    let imr = ZERO;
    for (const p of this.list(account)) {
      if (p.mgnMode !== 'cross' || p.inst.contract!.settleCcy !== ccy) continue;
      const mark = this.pricing.mark(p.inst);
      upl = upl.plus(this.upl(p, mark));
      mmr = mmr.plus(this.mmr(p, mark));
      imr = imr.plus(this.value(p.inst, p.pos.abs(), mark).div(p.lever));
    }
    return { eq: cash.plus(upl), upl, mmr, imr };
  }

  /** Margin ratio: equity over maintenance margin ("" when there is no maintenance margin). */
  marginRatio(p: SimPosition): Decimal | undefined {
    const mark = this.pricing.mark(p.inst);
    if (p.mgnMode === 'isolated') {
      const mmr = this.mmr(p, mark);
      return mmr.isZero() ? undefined : p.margin.plus(this.upl(p, mark)).div(mmr);
    }
    const x = this.crossEquity(p.account, p.inst.contract!.settleCcy);
    return x.mmr.isZero() ? undefined : x.eq.div(x.mmr);
  }

  /**
   * Estimated liquidation price: where margin + upl = maintenance margin. Isolated: margin is the
   * position's; cross: the settlement currency's cash stands for the margin (exact with one
   * position in that currency).
   */
  liqPx(p: SimPosition): Decimal | undefined {
    const c = p.inst.contract!;
    const m =
      p.mgnMode === 'isolated'
        ? p.margin
        : this.ledger
            .balance(p.account, c.settleCcy)
            .cash.minus(this.ledger.liability(p.account, c.settleCcy));
    const rate = tierFor(p.inst, p.pos.abs()).mmr;
    const long = p.posSide === 'long' || (p.posSide === 'net' && p.pos.gt(0));
    const size = p.pos.abs().mul(c.ctVal);
    if (size.isZero()) return undefined;
    let px: Decimal;
    if (c.ctType === 'linear') {
      px = long
        ? p.avgPx
            .mul(size)
            .minus(m)
            .div(size.mul(ONE.minus(rate)))
        : p.avgPx
            .mul(size)
            .plus(m)
            .div(size.mul(ONE.plus(rate)));
    } else {
      const inv = size.div(p.avgPx);
      const den = long ? m.plus(inv) : inv.minus(m);
      if (den.lte(0)) return undefined;
      px = size.mul(long ? ONE.plus(rate) : ONE.minus(rate)).div(den);
    }
    return px.gt(0) ? px.toDecimalPlaces(decimals(p.inst.tickSz)) : undefined;
  }

  /**
   * Time-driven duties at the sim clock's now: funding at each 00:00/08:00/16:00 UTC passed since
   * the last check, then liquidation warnings and liquidations at the current marks.
   */
  check(): void {
    const now = this.clock.now();
    while (nextFundingTime(this.#lastFunding) <= now) {
      this.#lastFunding = nextFundingTime(this.#lastFunding);
      this.#settleFunding(this.#lastFunding);
    }
    for (const inst of this.market.instruments()) {
      const exp = Number(inst.contract?.expTime || Infinity);
      if (inst.instType === 'FUTURES' && exp <= now && !this.#delivered.has(inst.instId))
        this.#deliver(inst, exp);
    }
    for (const p of this.all()) {
      if (!this.#positions.has(this.#key(p.account, p.inst.instId, p.mgnMode, p.posSide))) continue;
      const ratio = this.marginRatio(p);
      if (ratio === undefined) continue;
      if (ratio.lte(LIQ_RATIO)) this.#liquidate(p);
      else if (ratio.lte(WARN_RATIO)) {
        if (!p.warned) {
          p.warned = true;
          this.events.liquidationWarning(p.account, p);
        }
      } else p.warned = false;
    }
  }

  /** The earliest expiry among the listed futures (Infinity when none): when `check` must run. */
  nextExpiry(): number {
    let t = Infinity;
    for (const i of this.market.instruments())
      if (i.instType === 'FUTURES' && i.contract?.expTime && !this.#delivered.has(i.instId))
        t = Math.min(t, Number(i.contract.expTime));
    return t;
  }

  /** Delivered futures, newest first. */
  deliveries(): DeliveryRecord[] {
    return [...this.#deliveries].reverse();
  }

  /**
   * The delivery price (docs/OKX-PROTOCOL.md §7.7): the average of the index's one-minute closes
   * over the hour before expiry; the index itself when the market has no such minutes.
   */
  deliveryPrice(inst: SimInstrument, exp: number): Decimal {
    const id = inst.contract!.indexInstId;
    const rows = this.market.candles(id, '1m', {
      after: exp,
      before: exp - HOUR_MS - 1,
      limit: 60,
      history: true,
    });
    if (rows.length === 0) return this.pricing.index(inst);
    const sum = rows.reduce((acc, r) => acc.plus(r[4]), ZERO);
    return sum.div(rows.length).toDecimalPlaces(8);
  }

  /**
   * Delivers a future at its expiry: pending orders canceled, every position closed at the
   * delivery price with a delivery bill (type 3; subType 112 long, 113 short), margin released,
   * no fee; then the instrument leaves the live list and the market lists the family's next one.
   */
  #deliver(inst: SimInstrument, exp: number): void {
    this.#delivered.add(inst.instId);
    this.events.expiring?.(inst.instId);
    const c = inst.contract!;
    const px = this.deliveryPrice(inst, exp);
    const touched = new Set<string>();
    for (const p of this.all().filter((x) => x.inst.instId === inst.instId)) {
      const size = p.pos.abs();
      const long = p.posSide === 'long' || (p.posSide === 'net' && p.pos.gt(0));
      const pnl = this.upl(p, px);
      const cashChg = p.mgnMode === 'isolated' ? p.margin.plus(pnl) : pnl;
      p.realizedPnl = p.realizedPnl.plus(pnl);
      this.ledger.change(p.account, c.settleCcy, cashChg, {
        type: '3',
        subType: long ? '112' : '113',
        instType: 'FUTURES',
        instId: inst.instId,
        mgnMode: p.mgnMode,
        sz: size.toFixed(),
        px: px.toFixed(),
        pnl: pnl.toFixed(),
        fee: '0',
        posBal: '0',
        posBalChg: p.mgnMode === 'isolated' ? p.margin.neg().toFixed() : '0',
        tradeId: this.nextBillTrade(),
        notes: 'delivery',
        ts: String(exp),
      });
      p.pos = ZERO;
      p.uTime = exp;
      this.#closeOut(p);
      this.events.position(p.account, p, 'delivered');
      touched.add(p.account);
    }
    this.#deliveries.push({ ts: exp, instId: inst.instId, uly: c.uly, px: px.toFixed() });
    this.market.deliver?.(inst.instId);
    for (const a of touched) this.events.balance(a, [c.settleCcy], 'delivered');
  }

  fundingHistory(instId: string): FundingRecord[] {
    return this.#funding.filter((f) => f.instId === instId).reverse();
  }

  lastFundingTime(): number {
    return this.#lastFunding;
  }

  #settleFunding(at: number): void {
    const touched = new Map<string, Set<string>>();
    for (const inst of this.market.instruments().filter((i) => i.instType === 'SWAP')) {
      const rate = this.pricing.fundingRate(inst);
      this.#funding.push({
        instId: inst.instId,
        fundingRate: rate.toFixed(),
        realizedRate: rate.toFixed(),
        fundingTime: at,
      });
      const mark = this.pricing.mark(inst);
      for (const p of this.all().filter((x) => x.inst.instId === inst.instId)) {
        const long = p.posSide === 'long' || (p.posSide === 'net' && p.pos.gt(0));
        // Longs pay shorts when the rate is positive.
        const amount = this.value(inst, p.pos.abs(), mark)
          .mul(rate)
          .mul(long ? -1 : 1);
        if (amount.isZero()) continue;
        const ccy = inst.contract!.settleCcy;
        p.fundingFee = p.fundingFee.plus(amount);
        if (p.mgnMode === 'isolated') p.margin = p.margin.plus(amount);
        this.ledger.change(p.account, ccy, p.mgnMode === 'isolated' ? ZERO : amount, {
          type: '8',
          subType: amount.lt(0) ? '173' : '174',
          instType: 'SWAP',
          instId: inst.instId,
          mgnMode: p.mgnMode,
          pnl: amount.toFixed(),
          posBal: p.mgnMode === 'isolated' ? p.margin.toFixed() : '0',
          posBalChg: p.mgnMode === 'isolated' ? amount.toFixed() : '0',
          notes: `funding rate ${rate.toFixed()}`,
          ts: String(at),
        });
        const set = touched.get(p.account) ?? new Set();
        set.add(ccy);
        touched.set(p.account, set);
        this.events.position(p.account, p, 'funding_fee');
      }
    }
    for (const [account, ccys] of touched) this.events.balance(account, [...ccys], 'funding_fee');
  }

  /**
   * Closes a position at the mark: PnL realised, a liquidation penalty of the taker rate, and for
   * an isolated position whatever margin is left (never below zero) back to cash. Bill type 5.
   */
  #liquidate(p: SimPosition): void {
    const c = p.inst.contract!;
    const mark = this.pricing.mark(p.inst);
    const size = p.pos.abs();
    const pnl = this.upl(p, mark);
    const penalty = this.value(p.inst, size, mark).mul(CONTRACT_TAKER_RATE);
    const long = p.posSide === 'long' || (p.posSide === 'net' && p.pos.gt(0));
    let cashChg: Decimal;
    const posBalChg = p.mgnMode === 'isolated' ? p.margin.neg() : ZERO;
    if (p.mgnMode === 'isolated') cashChg = Decimal.max(ZERO, p.margin.plus(pnl).minus(penalty));
    else cashChg = pnl.minus(penalty);
    p.realizedPnl = p.realizedPnl.plus(pnl);
    p.liqPenalty = p.liqPenalty.minus(penalty);
    const subType = p.posSide === 'net' ? (long ? '107' : '106') : long ? '104' : '105';
    this.ledger.change(p.account, c.settleCcy, cashChg, {
      type: '5',
      subType,
      instType: p.inst.instType,
      instId: p.inst.instId,
      mgnMode: p.mgnMode,
      sz: size.toFixed(),
      px: mark.toFixed(),
      pnl: pnl.toFixed(),
      fee: penalty.neg().toFixed(),
      posBal: '0',
      posBalChg: posBalChg.toFixed(),
      tradeId: this.nextBillTrade(),
      notes: 'liquidation',
    });
    p.pos = ZERO;
    this.#closeOut(p);
    this.events.position(p.account, p, 'liquidation');
    this.events.balance(p.account, [c.settleCcy], 'liquidation');
  }

  // ---- reads ----

  /**
   * The OKX position object (facts in docs/SIMULATOR.md): strings, except `closeOrderAlgo`, an
   * array (of the close-position algo orders attached; none here) as OKX sends it.
   */
  positionRow(p: SimPosition): PositionRow {
    const c = p.inst.contract!;
    const mark = this.pricing.mark(p.inst);
    const idx = this.pricing.index(p.inst);
    const last = new Decimal(this.market.last(p.inst.instId));
    const size = p.pos.abs();
    const upl = this.upl(p, mark);
    const uplLast = this.upl(p, last);
    const imr = p.mgnMode === 'cross' ? this.value(p.inst, size, mark).div(p.lever) : ZERO;
    const initMargin = this.value(p.inst, size, p.avgPx).div(p.lever);
    const ratio = size.isZero() ? undefined : this.marginRatio(p);
    const liq = size.isZero() ? undefined : this.liqPx(p);
    const fx = (d: Decimal | undefined) => (d === undefined ? '' : d.toFixed());
    return {
      instType: p.inst.instType,
      instId: p.inst.instId,
      mgnMode: p.mgnMode,
      posId: p.posId,
      posSide: p.posSide,
      pos: p.pos.toFixed(),
      baseBal: '',
      quoteBal: '',
      baseBorrowed: '',
      baseInterest: '',
      quoteBorrowed: '',
      quoteInterest: '',
      posCcy: '',
      availPos: p.posSide === 'net' ? '' : size.toFixed(),
      avgPx: p.avgPx.toFixed(),
      nonSettleAvgPx: p.inst.instType === 'FUTURES' ? p.avgPx.toFixed() : '',
      upl: upl.toFixed(),
      uplRatio: initMargin.isZero() ? '0' : upl.div(initMargin).toDecimalPlaces(8).toFixed(),
      uplLastPx: uplLast.toFixed(),
      uplRatioLastPx: initMargin.isZero() ? '0' : uplLast.div(initMargin).toDecimalPlaces(8).toFixed(),
      lever: p.lever.toFixed(),
      liqPx: fx(liq),
      markPx: mark.toFixed(),
      imr: p.mgnMode === 'cross' ? imr.toFixed() : '',
      margin: p.mgnMode === 'isolated' ? p.margin.toFixed() : '',
      mgnRatio: fx(ratio?.toDecimalPlaces(8)),
      mmr: size.isZero() ? '0' : this.mmr(p, mark).toFixed(),
      liab: '',
      liabCcy: '',
      interest: '',
      tradeId: p.tradeId,
      optVal: '',
      pendingCloseOrdLiabVal: '',
      notionalUsd: this.notionalUsd(p.inst, size, mark).toFixed(),
      adl: '1',
      ccy: c.settleCcy,
      last: last.toFixed(),
      idxPx: idx.toFixed(),
      usdPx: c.ctType === 'inverse' ? idx.toFixed() : '',
      bePx: p.avgPx.toFixed(),
      deltaBS: '',
      deltaPA: '',
      gammaBS: '',
      gammaPA: '',
      thetaBS: '',
      thetaPA: '',
      vegaBS: '',
      vegaPA: '',
      spotInUseAmt: '',
      spotInUseCcy: '',
      clSpotInUseAmt: '',
      maxSpotInUseAmt: '',
      bizRefId: '',
      bizRefType: '',
      realizedPnl: p.realizedPnl.plus(p.fee).plus(p.fundingFee).plus(p.liqPenalty).toFixed(),
      settledPnl: '',
      pnl: p.realizedPnl.toFixed(),
      fee: p.fee.toFixed(),
      fundingFee: p.fundingFee.toFixed(),
      liqPenalty: p.liqPenalty.toFixed(),
      closeOrderAlgo: [],
      cTime: String(p.cTime),
      uTime: String(p.uTime),
    };
  }

  /** GET /account/max-size: contracts buyable and sellable now with the available balance. */
  maxSize(
    account: string,
    inst: SimInstrument,
    tdMode: MgnMode,
    px: Decimal | undefined,
  ): Record<string, string> {
    const c = inst.contract!;
    const price = px ?? this.pricing.mark(inst);
    const avail = this.ledger.available(account, c.settleCcy);
    const posSide: PosSide = this.settings(account).posMode === 'net_mode' ? 'net' : 'long';
    const lever = this.lever(account, inst.instId, tdMode, posSide);
    const perContract = this.value(inst, ONE, price).div(lever);
    const open = perContract.isZero() ? ZERO : avail.div(perContract).div(inst.lotSz).floor().mul(inst.lotSz);
    const p = this.find(account, inst.instId, tdMode, 'net');
    const longClose = p && p.pos.lt(0) ? p.pos.abs() : ZERO;
    const shortClose = p && p.pos.gt(0) ? p.pos : ZERO;
    return {
      instId: inst.instId,
      ccy: c.settleCcy,
      maxBuy: open.plus(longClose).toFixed(),
      maxSell: open.plus(shortClose).toFixed(),
    };
  }

  /** GET /account/max-avail-size: the settlement currency available to open, buy and sell side. */
  maxAvailSize(account: string, inst: SimInstrument, tdMode: MgnMode): Record<string, string> {
    const c = inst.contract!;
    const avail = this.ledger.available(account, c.settleCcy);
    const p = this.find(account, inst.instId, tdMode, 'net');
    const mark = this.pricing.mark(inst);
    // Closing a position frees its margin: count it on the closing side.
    const freed = p ? p.margin.plus(Decimal.max(ZERO, this.upl(p, mark))) : ZERO;
    return {
      instId: inst.instId,
      availBuy: avail.plus(p && p.pos.lt(0) ? freed : ZERO).toFixed(),
      availSell: avail.plus(p && p.pos.gt(0) ? freed : ZERO).toFixed(),
    };
  }

  tiers(inst: SimInstrument): Record<string, string>[] {
    return positionTiers(inst).map((t) => ({
      uly: inst.contract?.uly ?? '',
      instFamily: inst.contract?.uly ?? '',
      instId: inst.instId,
      tier: String(t.tier),
      minSz: t.minSz.toFixed(),
      maxSz: t.maxSz.toFixed(),
      mmr: t.mmr.toFixed(),
      imr: t.imr.toFixed(),
      maxLever: t.maxLever.toFixed(),
      optMgnFactor: '0',
      quoteMaxLoan: '',
      baseMaxLoan: '',
    }));
  }

  /** Open interest: a steady book of other traders plus the users' open contracts. */
  openInterest(inst: SimInstrument): { oi: Decimal; oiCcy: Decimal; oiUsd: Decimal } {
    let users = ZERO;
    for (const p of this.all()) {
      if (p.inst.instId !== inst.instId) continue;
      if (p.posSide === 'long' || (p.posSide === 'net' && p.pos.gt(0))) users = users.plus(p.pos.abs());
    }
    const oi = new Decimal(100000).plus(users);
    const mark = this.pricing.mark(inst);
    const c = inst.contract!;
    const oiCcy = c.ctType === 'linear' ? oi.mul(c.ctVal) : oi.mul(c.ctVal).div(mark).toDecimalPlaces(8);
    return { oi, oiCcy, oiUsd: this.notionalUsd(inst, oi, mark) };
  }
}

function decimals(step: string): number {
  const i = step.indexOf('.');
  return i < 0 ? 0 : step.length - i - 1;
}
