import { ExchangeDecimal as Decimal } from '../../util/decimal.js';
import type { Clock } from '../../util/clock.js';
import { OkxkitError } from '../../util/errors.js';
import type { SimAccountConfig } from '../config.js';

/**
 * Balances of every account: the trading account (account/*) and the funding account
 * (asset/*), with the bills that record each change. Invariant, per currency:
 * cashBal = availBal + frozenBal, frozenBal >= 0, availBal >= 0.
 */
export interface Balance {
  cash: Decimal;
  frozen: Decimal;
  uTime: number;
}

/** One trading-account bill, all strings as GET /account/bills returns it (docs/OKX-PROTOCOL.md §7.3). */
export type Bill = Record<string, string>;

export interface AccountState {
  name: string;
  uid: string;
  trading: Map<string, Balance>;
  funding: Map<string, Balance>;
  bills: Bill[];
  fundingBills: Bill[];
  /** Borrowed and not yet repaid, per currency (spot margin loans; docs/OKX-PROTOCOL.md §12). */
  liabilities: Map<string, Decimal>;
}

const ZERO = new Decimal(0);

export class Ledger {
  readonly accounts = new Map<string, AccountState>();
  #billSeq = 0;

  constructor(
    private readonly clock: Clock,
    config: Record<string, SimAccountConfig>,
  ) {
    let i = 0;
    for (const [name, acct] of Object.entries(config)) {
      i++;
      const state: AccountState = {
        name,
        uid: String(440000000000000 + i * 1000 + 7),
        trading: new Map(),
        funding: new Map(),
        bills: [],
        fundingBills: [],
        liabilities: new Map(),
      };
      this.accounts.set(name, state);
      const now = clock.now();
      // Opening balances arrive as a deposit into the funding account (asset bill type 1), then
      // the trading part moves to the trading account (asset bill 131, account bill type 1).
      const ccys = new Set([...Object.keys(acct.funding ?? {}), ...Object.keys(acct.balances)]);
      for (const ccy of ccys) {
        const toTrading = new Decimal(acct.balances[ccy] ?? '0');
        const deposit = toTrading.plus(acct.funding?.[ccy] ?? '0');
        const f = this.#bal(state.funding, ccy);
        f.cash = f.cash.plus(deposit);
        state.fundingBills.push({
          billId: this.nextBillId(),
          ccy,
          clientId: '',
          balChg: deposit.toFixed(),
          bal: f.cash.toFixed(),
          type: '1',
          notes: 'opening deposit',
          ts: String(now),
        });
        if (toTrading.isZero()) continue;
        f.cash = f.cash.minus(toTrading);
        state.fundingBills.push({
          billId: this.nextBillId(),
          ccy,
          clientId: '',
          balChg: toTrading.neg().toFixed(),
          bal: f.cash.toFixed(),
          type: '131',
          notes: 'to trading account',
          ts: String(now),
        });
        const b = this.#bal(state.trading, ccy);
        b.cash = b.cash.plus(toTrading);
        b.uTime = now;
        const amount = toTrading;
        this.addBill(name, {
          ccy,
          bal: b.cash.toFixed(),
          balChg: new Decimal(amount).toFixed(),
          sz: new Decimal(amount).toFixed(),
          type: '1',
          subType: '11',
          notes: 'from funding account',
          from: '6',
          to: '18',
        });
      }
    }
  }

  nextBillId(): string {
    this.#billSeq++;
    return String(700000000000000 + this.#billSeq);
  }

  account(name: string): AccountState {
    const a = this.accounts.get(name);
    if (!a) throw new OkxkitError(`unknown account ${name}`, { code: 'SIM_UNKNOWN_ACCOUNT' });
    return a;
  }

  #bal(map: Map<string, Balance>, ccy: string): Balance {
    let b = map.get(ccy);
    if (!b) {
      b = { cash: ZERO, frozen: ZERO, uTime: this.clock.now() };
      map.set(ccy, b);
    }
    return b;
  }

  balance(account: string, ccy: string): Balance {
    return this.#bal(this.account(account).trading, ccy);
  }

  available(account: string, ccy: string): Decimal {
    const b = this.balance(account, ccy);
    return b.cash.minus(b.frozen);
  }

  /** What the account owes in `ccy` (0 when it has not borrowed it). */
  liability(account: string, ccy: string): Decimal {
    return this.account(account).liabilities.get(ccy) ?? ZERO;
  }

  /** Changes the liability of `ccy` by `delta` (a borrow adds, a repay subtracts); never below 0. */
  changeLiability(account: string, ccy: string, delta: Decimal): Decimal {
    const a = this.account(account);
    const next = Decimal.max(ZERO, (a.liabilities.get(ccy) ?? ZERO).plus(delta));
    if (next.isZero()) a.liabilities.delete(ccy);
    else a.liabilities.set(ccy, next);
    return next;
  }

  /** Reserves funds for an order; false when the available balance is short (-> 51008). */
  freeze(account: string, ccy: string, amount: Decimal): boolean {
    const b = this.balance(account, ccy);
    if (b.cash.minus(b.frozen).lt(amount)) return false;
    b.frozen = b.frozen.plus(amount);
    b.uTime = this.clock.now();
    return true;
  }

  /**
   * Holds margin for an open cross position: frozen like an order's reserve, but never refused
   * (a fill has happened); availBal may go below zero when a loss has eaten the margin.
   */
  hold(account: string, ccy: string, amount: Decimal): void {
    const b = this.balance(account, ccy);
    b.frozen = b.frozen.plus(amount);
    b.uTime = this.clock.now();
  }

  unfreeze(account: string, ccy: string, amount: Decimal): void {
    const b = this.balance(account, ccy);
    b.frozen = Decimal.max(ZERO, b.frozen.minus(amount));
    b.uTime = this.clock.now();
  }

  /** Changes cash (not frozen) and records a trading bill. */
  change(account: string, ccy: string, delta: Decimal, bill: Bill): void {
    const b = this.balance(account, ccy);
    b.cash = b.cash.plus(delta);
    b.uTime = this.clock.now();
    this.addBill(account, { ...bill, ccy, balChg: delta.toFixed(), bal: b.cash.toFixed() });
  }

  addBill(account: string, fields: Bill): void {
    const now = String(this.clock.now());
    const bill: Bill = {
      billId: this.nextBillId(),
      ccy: '',
      bal: '',
      balChg: '',
      sz: '',
      px: '',
      type: '',
      subType: '',
      instType: '',
      instId: '',
      ordId: '',
      clOrdId: '',
      tradeId: '',
      tag: '',
      fee: '0',
      pnl: '0',
      interest: '0',
      mgnMode: '',
      execType: '',
      fillTime: '',
      notes: '',
      from: '',
      to: '',
      posBal: '0',
      posBalChg: '0',
      fillIdxPx: '',
      fillMarkPx: '',
      fillFwdPx: '',
      fillMarkVol: '',
      fillPxUsd: '',
      fillPxVol: '',
      ts: now,
      ...fields,
    };
    this.account(account).bills.push(bill);
  }
}
