import { ExchangeDecimal as Decimal } from '../../util/decimal.js';
import type { Clock } from '../../util/clock.js';
import type { AcctLv } from './derivatives.js';
import type { Ledger } from './ledger.js';

/**
 * Spot margin loans of the local exchange (docs/OKX-PROTOCOL.md §12, docs/SIMULATOR.md): a
 * liability per account and currency, borrowed and repaid by hand, interest charged on every
 * whole hour of the exchange clock at a static hourly rate per currency, and the public lending
 * rate history as a deterministic seeded series. Money is Decimal.
 */

/** A currency's loan terms: the hourly interest rate and the most the platform lends one account. */
export interface LoanTerms {
  hourlyRate: string;
  quota: string;
}

/** A rejection: `code` is the OKX code the route answers with, `params` fill its message. */
export class LoanError extends Error {
  constructor(
    readonly code: string,
    readonly params: string[] = [],
  ) {
    super(code);
  }
}

export const HOUR_MS = 3_600_000;
const ZERO = new Decimal(0);
/**
 * Cross spot margin leverage the local exchange lends up to: the account may owe at most
 * (LOAN_LEVER - 1) times its equity, valued in USD (OKX's cross margin pairs allow 5x to 10x).
 */
export const LOAN_LEVER = new Decimal(5);
/** Maintenance margin a liability needs: this share of its value. */
export const LOAN_MMR_RATE = new Decimal('0.1');
/** How far back the public lending rate history goes. */
const HISTORY_DAYS = 365;

/** One accrued-interest record (GET /account/interest-accrued row). */
interface InterestRecord {
  ccy: string;
  interest: Decimal;
  rate: Decimal;
  liab: Decimal;
  ts: number;
}

/** A borrow through account/borrow-repay: the `ordId` a repay names, and what is still owed on it. */
interface LoanOrder {
  ordId: string;
  ccy: string;
  amt: Decimal;
  owed: Decimal;
}

/** A spot-mode borrow or repay event (GET /account/spot-borrow-repay-history row). */
interface BorrowEvent {
  ccy: string;
  type: 'manual_borrow' | 'manual_repay';
  amt: Decimal;
  accBorrowed: Decimal;
  ts: number;
}

export interface LoanDeps {
  ledger: Ledger;
  clock: Clock;
  terms: Record<string, LoanTerms>;
  seed: number;
  /** USD value of one unit of a currency (0 when unknown). */
  usdPrice(ccy: string): Decimal;
  acctLv(account: string): AcctLv;
  spotBorrowEnabled(account: string): boolean;
  /** Cash of these currencies changed (push the balance channels). */
  cashChanged(account: string, ccys: string[], eventType: string): void;
}

/** FNV-1a over a string, then mixed: a uniform number in [0, 1) for the seeded series. */
function unit(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

function positive(text: unknown, field: string): Decimal {
  const s = typeof text === 'number' ? String(text) : typeof text === 'string' ? text : '';
  if (s === '') throw new LoanError('50014', [field]);
  if (!/^\d+(\.\d+)?$/.test(s) || new Decimal(s).lte(0)) throw new LoanError('51000', [field]);
  return new Decimal(s);
}

export class LoanBook {
  readonly #d: LoanDeps;
  readonly #terms = new Map<string, { rate: Decimal; quota: Decimal }>();
  readonly #interest = new Map<string, InterestRecord[]>();
  readonly #orders = new Map<string, LoanOrder[]>();
  readonly #events = new Map<string, BorrowEvent[]>();
  #lastAccrual: number;
  #ordSeq = 0;

  constructor(deps: LoanDeps) {
    this.#d = deps;
    for (const [ccy, t] of Object.entries(deps.terms))
      this.#terms.set(ccy, { rate: new Decimal(t.hourlyRate), quota: new Decimal(t.quota) });
    this.#lastAccrual = Math.floor(deps.clock.now() / HOUR_MS) * HOUR_MS;
  }

  /** Currencies that can be borrowed, sorted. */
  currencies(): string[] {
    return [...this.#terms.keys()].sort();
  }

  /** Whether the account's mode lets it borrow: any margin mode, or spot mode with borrowing enabled. */
  canBorrow(account: string): boolean {
    return this.#d.acctLv(account) !== '1' || this.#d.spotBorrowEnabled(account);
  }

  spotBorrowEnabled(account: string): boolean {
    return this.#d.spotBorrowEnabled(account);
  }

  hourlyRate(ccy: string): Decimal | undefined {
    return this.#terms.get(ccy)?.rate;
  }

  // ---- equity and limits ----

  /** The account's equity in USD: cash less liabilities over every currency (contracts' upl excluded). */
  #equityUsd(account: string): Decimal {
    let eq = ZERO;
    const a = this.#d.ledger.account(account);
    for (const [ccy, b] of a.trading) eq = eq.plus(b.cash.mul(this.#d.usdPrice(ccy)));
    for (const [ccy, l] of a.liabilities) eq = eq.minus(l.mul(this.#d.usdPrice(ccy)));
    return eq;
  }

  /** USD value of everything the account owes. */
  liabilitiesUsd(account: string): Decimal {
    let sum = ZERO;
    for (const [ccy, l] of this.#d.ledger.account(account).liabilities)
      sum = sum.plus(l.mul(this.#d.usdPrice(ccy)));
    return sum;
  }

  /**
   * The most the account may borrow of `ccy` now: within the currency's quota and within
   * (LOAN_LEVER - 1) times its equity, less what it already owes (valued in USD), 8 decimals.
   */
  maxLoan(account: string, ccy: string): Decimal {
    const t = this.#terms.get(ccy);
    const px = this.#d.usdPrice(ccy);
    if (!t || px.isZero()) return ZERO;
    const byQuota = t.quota.minus(this.#d.ledger.liability(account, ccy));
    const headroomUsd = this.#equityUsd(account).mul(LOAN_LEVER.minus(1)).minus(this.liabilitiesUsd(account));
    const byEquity = headroomUsd.div(px);
    return Decimal.max(ZERO, Decimal.min(byQuota, byEquity)).toDecimalPlaces(8, Decimal.ROUND_DOWN);
  }

  // ---- borrow and repay ----

  #borrow(account: string, ccy: string, amt: Decimal, code: { unsupported: string; overMax: string }): void {
    this.accrue();
    if (!this.#terms.has(ccy)) throw new LoanError(code.unsupported, [ccy]);
    if (amt.gt(this.maxLoan(account, ccy))) throw new LoanError(code.overMax, [ccy]);
    this.#d.ledger.changeLiability(account, ccy, amt);
    this.#d.ledger.change(account, ccy, amt, { type: '16', notes: 'borrow', mgnMode: 'cross' });
    this.#d.cashChanged(account, [ccy], 'borrow');
  }

  #repay(account: string, ccy: string, amt: Decimal): void {
    const b = this.#d.ledger.balance(account, ccy);
    if (b.cash.minus(b.frozen).lt(amt)) throw new LoanError('59200');
    this.#d.ledger.changeLiability(account, ccy, amt.neg());
    this.#d.ledger.change(account, ccy, amt.neg(), { type: '22', notes: 'repay', mgnMode: 'cross' });
    this.#d.cashChanged(account, [ccy], 'repay');
  }

  /**
   * POST /account/borrow-repay (the route ccxt's borrowCrossMargin and repayCrossMargin call):
   * a borrow opens a loan order; a repay names that order's `ordId` and may not exceed what it
   * still owes. Margin modes only (single-, multi-currency and portfolio margin).
   */
  borrowRepay(account: string, body: Record<string, unknown>): Record<string, string> {
    const ccy = typeof body.ccy === 'string' ? body.ccy : '';
    const side = typeof body.side === 'string' ? body.side : '';
    if (!ccy) throw new LoanError('50014', ['ccy']);
    if (!side) throw new LoanError('50014', ['side']);
    if (side !== 'borrow' && side !== 'repay') throw new LoanError('51000', ['side']);
    const amt = positive(body.amt, 'amt');
    if (this.#d.acctLv(account) === '1') throw new LoanError('51010');
    const orders = this.#orders.get(account) ?? [];
    this.#orders.set(account, orders);
    if (side === 'borrow') {
      this.#borrow(account, ccy, amt, { unsupported: '59312', overMax: '59306' });
      const ordId = String(600_000_000_000_000_000n + BigInt(++this.#ordSeq));
      orders.push({ ordId, ccy, amt, owed: amt });
      return { ccy, side, amt: amt.toFixed(), ordId, state: '2' };
    }
    const ordId = typeof body.ordId === 'string' ? body.ordId : '';
    if (!ordId) throw new LoanError('50014', ['ordId']);
    this.accrue();
    const o = orders.find((x) => x.ordId === ordId && x.ccy === ccy);
    if (!o || o.owed.isZero()) throw new LoanError('59314');
    if (amt.gt(o.owed)) throw new LoanError('59309');
    this.#repay(account, ccy, Decimal.min(amt, this.#d.ledger.liability(account, ccy)));
    o.owed = o.owed.minus(amt);
    return { ccy, side, amt: amt.toFixed(), ordId, state: o.owed.isZero() ? '4' : '2' };
  }

  /**
   * POST /account/spot-manual-borrow-repay: spot mode with borrowing enabled only. A repay of
   * more than is owed repays what is owed and answers the actual amount.
   */
  spotManual(account: string, body: Record<string, unknown>): Record<string, string> {
    const ccy = typeof body.ccy === 'string' ? body.ccy : '';
    const side = typeof body.side === 'string' ? body.side : '';
    if (!ccy) throw new LoanError('50014', ['ccy']);
    if (!side) throw new LoanError('50014', ['side']);
    if (side !== 'borrow' && side !== 'repay') throw new LoanError('51000', ['side']);
    const amt = positive(body.amt, 'amt');
    if (this.#d.acctLv(account) !== '1') throw new LoanError('51010');
    if (!this.#d.spotBorrowEnabled(account)) throw new LoanError('59410');
    let actual = amt;
    if (side === 'borrow') {
      this.#borrow(account, ccy, amt, { unsupported: '59410', overMax: '59412' });
    } else {
      this.accrue();
      const owed = this.#d.ledger.liability(account, ccy);
      if (owed.isZero()) throw new LoanError('59413');
      actual = Decimal.min(amt, owed);
      this.#repay(account, ccy, actual);
    }
    const events = this.#events.get(account) ?? [];
    this.#events.set(account, events);
    events.push({
      ccy,
      type: side === 'borrow' ? 'manual_borrow' : 'manual_repay',
      amt: actual,
      accBorrowed: this.#d.ledger.liability(account, ccy),
      ts: this.#d.clock.now(),
    });
    return { ccy, side, amt: actual.toFixed() };
  }

  // ---- interest ----

  /**
   * Charges interest on every whole hour of the exchange clock passed since the last charge:
   * liability x hourly rate, paid from the currency's available cash (bill type 7, subType 9);
   * what cash cannot cover is added to the liability.
   */
  accrue(): void {
    const now = this.#d.clock.now();
    while (this.#lastAccrual + HOUR_MS <= now) {
      this.#lastAccrual += HOUR_MS;
      const at = this.#lastAccrual;
      for (const a of this.#d.ledger.accounts.values()) {
        const touched: string[] = [];
        for (const [ccy, liab] of [...a.liabilities]) {
          const rate = this.#terms.get(ccy)?.rate ?? ZERO;
          const interest = liab.mul(rate);
          if (interest.isZero()) continue;
          const b = this.#d.ledger.balance(a.name, ccy);
          const paid = Decimal.min(interest, Decimal.max(ZERO, b.cash.minus(b.frozen)));
          const shortfall = interest.minus(paid);
          if (shortfall.gt(0)) this.#d.ledger.changeLiability(a.name, ccy, shortfall);
          this.#d.ledger.change(a.name, ccy, paid.neg(), {
            type: '7',
            subType: '9',
            mgnMode: 'cross',
            interest: interest.toFixed(),
            notes: `interest ${rate.toFixed()} per hour on ${liab.toFixed()}`,
            ts: String(at),
          });
          const list = this.#interest.get(a.name) ?? [];
          this.#interest.set(a.name, list);
          list.push({ ccy, interest, rate, liab, ts: at });
          touched.push(ccy);
        }
        if (touched.length > 0) this.#d.cashChanged(a.name, touched, 'interest_deduction');
      }
    }
  }

  /** GET /account/interest-accrued rows, newest first (filters: ccy, mgnMode, after/before ts, limit). */
  interestAccrued(account: string, q: URLSearchParams): Record<string, string>[] {
    this.accrue();
    const ccy = q.get('ccy') ?? '';
    const mgnMode = q.get('mgnMode') ?? '';
    const type = q.get('type') ?? '';
    if (mgnMode && mgnMode !== 'cross' && mgnMode !== 'isolated') throw new LoanError('51000', ['mgnMode']);
    if (type && type !== '2') return [];
    if (mgnMode === 'isolated' || q.get('instId')) return [];
    const after = Number(q.get('after') ?? NaN);
    const before = Number(q.get('before') ?? NaN);
    const limit = Math.min(Number(q.get('limit')) || 100, 100);
    return (this.#interest.get(account) ?? [])
      .filter(
        (r) =>
          (!ccy || r.ccy === ccy) &&
          (Number.isNaN(after) || r.ts < after) &&
          (Number.isNaN(before) || r.ts > before),
      )
      .slice()
      .reverse()
      .slice(0, limit)
      .map((r) => ({
        type: '2',
        ccy: r.ccy,
        instId: '',
        mgnMode: 'cross',
        interest: r.interest.toFixed(),
        interestRate: r.rate.toFixed(),
        liab: r.liab.toFixed(),
        totalLiab: '',
        interestFreeLiab: '',
        ts: String(r.ts),
      }));
  }

  /** GET /account/interest-rate rows: the hourly rate of each lendable currency (or of `ccy`). */
  interestRates(ccy: string): Record<string, string>[] {
    return this.currencies()
      .filter((c) => !ccy || ccy.split(',').includes(c))
      .map((c) => ({ ccy: c, interestRate: this.#terms.get(c)!.rate.toFixed() }));
  }

  /** GET /account/spot-borrow-repay-history rows, newest first. */
  spotHistory(account: string, q: URLSearchParams): Record<string, string>[] {
    const ccy = q.get('ccy') ?? '';
    const type = q.get('type') ?? '';
    const limit = Math.min(Number(q.get('limit')) || 100, 100);
    return (this.#events.get(account) ?? [])
      .filter((e) => (!ccy || e.ccy === ccy) && (!type || e.type === type))
      .slice()
      .reverse()
      .slice(0, limit)
      .map((e) => ({
        ccy: e.ccy,
        type: e.type,
        amt: e.amt.toFixed(),
        accBorrowed: e.accBorrowed.toFixed(),
        ts: String(e.ts),
      }));
  }

  // ---- public lending rate history ----

  /**
   * The market's lending rate of `ccy` for the hour starting at `ts`: an annual rate around the
   * currency's hourly rate x 8760, with a weekly swing and seeded noise, so every run and every
   * client sees the same series.
   */
  lendingPoint(ccy: string, ts: number): { ccy: string; amt: string; rate: string; ts: string } {
    const t = this.#terms.get(ccy)!;
    const hour = Math.floor(ts / HOUR_MS);
    const swing = Math.sin((2 * Math.PI * hour) / 168);
    const noise = unit(this.#d.seed, `${ccy}|${hour}|rate`) - 0.5;
    const annual = t.rate.mul(8760).mul(1 + 0.25 * swing + 0.2 * noise);
    const amt = t.quota.mul(40).mul(0.8 + 0.4 * unit(this.#d.seed, `${ccy}|${hour}|amt`));
    return {
      ccy,
      amt: amt.toDecimalPlaces(8).toFixed(),
      rate: annual.toDecimalPlaces(6).toFixed(),
      ts: String(ts),
    };
  }

  /**
   * GET /finance/savings/lending-rate-history rows: one per currency and hour, newest first;
   * `after` / `before` are exclusive ts cursors; at most `limit` (100) rows.
   */
  lendingHistory(q: URLSearchParams): Record<string, string>[] {
    const ccy = q.get('ccy') ?? '';
    const ccys = ccy ? this.currencies().filter((c) => c === ccy) : this.currencies();
    const limit = Math.min(Number(q.get('limit')) || 100, 100);
    const now = Math.floor(this.#d.clock.now() / HOUR_MS) * HOUR_MS;
    const afterText = q.get('after');
    const beforeText = q.get('before');
    let top = now;
    if (afterText && /^\d+$/.test(afterText))
      top = Math.min(top, Math.floor((Number(afterText) - 1) / HOUR_MS) * HOUR_MS);
    const floor = now - HISTORY_DAYS * 24 * HOUR_MS;
    const bottom = beforeText && /^\d+$/.test(beforeText) ? Math.max(floor, Number(beforeText) + 1) : floor;
    const rows: Record<string, string>[] = [];
    for (let ts = top; ts >= bottom && rows.length < limit && ccys.length > 0; ts -= HOUR_MS) {
      for (const c of ccys) {
        if (rows.length >= limit) break;
        rows.push(this.lendingPoint(c, ts));
      }
    }
    return rows;
  }
}
