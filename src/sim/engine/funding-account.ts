import { ExchangeDecimal as Decimal } from '../../util/decimal.js';
import type { Clock } from '../../util/clock.js';
import { OkxkitError } from '../../util/errors.js';
import type { Balance, Ledger } from './ledger.js';

/** A withdrawal request as GET /asset/withdrawal-history reports it. */
export interface SimWithdrawal {
  account: string;
  wdId: string;
  ccy: string;
  chain: string;
  amt: Decimal;
  fee: Decimal;
  toAddr: string;
  clientId: string;
  /** OKX states: 0 waiting withdrawal (pending), 2 success, -2 canceled. */
  state: string;
  ts: number;
}

/** A rejection by the local exchange: `code` is the OKX code it answers with, `params` fill its message. */
export class FundingError extends OkxkitError {
  constructor(
    code: string,
    readonly params: string[] = [],
  ) {
    super(code, { code });
  }
}

/** The network each currency is deposited and withdrawn on here, and its withdrawal fee. */
export const CHAINS: Readonly<Record<string, { chain: string; fee: string; minWd: string }>> = {
  BTC: { chain: 'BTC-Bitcoin', fee: '0.0001', minWd: '0.0005' },
  ETH: { chain: 'ETH-ERC20', fee: '0.0012', minWd: '0.001' },
  USDT: { chain: 'USDT-TRC20', fee: '1', minWd: '2' },
  USDC: { chain: 'USDC-ERC20', fee: '2', minWd: '2' },
  SOL: { chain: 'SOL-Solana', fee: '0.008', minWd: '0.05' },
  OKB: { chain: 'OKB-X Layer', fee: '0.001', minWd: '0.01' },
};

/**
 * The funding account's own operations: transfers to and from the trading account, withdrawal
 * requests (recorded as pending; nothing leaves), deposit and withdrawal history, addresses.
 */
export class FundingAccount {
  readonly #withdrawals: SimWithdrawal[] = [];
  readonly #transfers: Array<Record<string, string> & { account: string }> = [];
  #seq = 0;

  constructor(
    private readonly ledger: Ledger,
    private readonly clock: Clock,
  ) {}

  #bal(map: Map<string, Balance>, ccy: string): Balance {
    let b = map.get(ccy);
    if (!b) map.set(ccy, (b = { cash: new Decimal(0), frozen: new Decimal(0), uTime: this.clock.now() }));
    return b;
  }

  /** POST /asset/transfer between the funding (6) and trading (18) accounts of one user. */
  transfer(account: string, item: Record<string, unknown>): Record<string, string> {
    const ccy = String(item.ccy ?? '');
    const amtText = String(item.amt ?? '');
    const from = String(item.from ?? '');
    const to = String(item.to ?? '');
    const type = String(item.type ?? '0');
    if (!ccy) throw new FundingError('50014', ['ccy']);
    if (!amtText) throw new FundingError('50014', ['amt']);
    if (!/^\d+(\.\d+)?$/.test(amtText) || new Decimal(amtText).lte(0))
      throw new FundingError('51000', ['amt']);
    if (type !== '0') throw new FundingError('51000', ['type']);
    if (!((from === '6' && to === '18') || (from === '18' && to === '6')))
      throw new FundingError('51000', ['from']);
    const amt = new Decimal(amtText);
    const a = this.ledger.account(account);
    const now = this.clock.now();
    const transId = String(++this.#seq + 5_000_000);
    if (from === '6') {
      const f = this.#bal(a.funding, ccy);
      if (f.cash.minus(f.frozen).lt(amt)) throw new FundingError('58350');
      f.cash = f.cash.minus(amt);
      f.uTime = now;
      a.fundingBills.push(this.#fundingBill(ccy, amt.neg(), f.cash, '131', 'to trading account'));
      this.ledger.change(account, ccy, amt, {
        type: '1',
        subType: '11',
        from: '6',
        to: '18',
        sz: amt.toFixed(),
      });
    } else {
      if (this.ledger.available(account, ccy).lt(amt)) throw new FundingError('58350');
      this.ledger.change(account, ccy, amt.neg(), {
        type: '1',
        subType: '12',
        from: '18',
        to: '6',
        sz: amt.toFixed(),
      });
      const f = this.#bal(a.funding, ccy);
      f.cash = f.cash.plus(amt);
      f.uTime = now;
      a.fundingBills.push(this.#fundingBill(ccy, amt, f.cash, '130', 'from trading account'));
    }
    const out = { transId, ccy, clientId: String(item.clientId ?? ''), from, amt: amt.toFixed(), to };
    this.#transfers.push({ ...out, account, type, subAcct: '', state: 'success' });
    return out;
  }

  /** GET /asset/transfer-state by transId or clientId. */
  transferState(account: string, transId: string, clientId: string): Record<string, string>[] {
    return this.#transfers
      .filter((x) => x.account === account && (transId ? x.transId === transId : x.clientId === clientId))
      .map(({ account: _a, ...rest }) => rest);
  }

  #fundingBill(ccy: string, chg: Decimal, bal: Decimal, type: string, notes: string): Record<string, string> {
    return {
      billId: this.ledger.nextBillId(),
      ccy,
      clientId: '',
      balChg: chg.toFixed(),
      bal: bal.toFixed(),
      type,
      notes,
      ts: String(this.clock.now()),
    };
  }

  /**
   * POST /asset/withdrawal for a key with the withdraw permission: checks the funding account's
   * available balance for amount + fee, freezes it and records the request as pending (state 0).
   */
  withdraw(account: string, item: Record<string, unknown>): Record<string, string> {
    const ccy = String(item.ccy ?? '');
    const amtText = String(item.amt ?? '');
    const dest = String(item.dest ?? '');
    const toAddr = String(item.toAddr ?? '');
    if (!ccy) throw new FundingError('50014', ['ccy']);
    if (!amtText) throw new FundingError('50014', ['amt']);
    if (!dest) throw new FundingError('50014', ['dest']);
    if (!toAddr) throw new FundingError('50014', ['toAddr']);
    if (dest !== '3' && dest !== '4') throw new FundingError('51000', ['dest']);
    if (!/^\d+(\.\d+)?$/.test(amtText) || new Decimal(amtText).lte(0))
      throw new FundingError('51000', ['amt']);
    const info = CHAINS[ccy];
    if (!info) throw new FundingError('51000', ['ccy']);
    const chain = String(item.chain ?? '') || info.chain;
    if (chain !== info.chain) throw new FundingError('51000', ['chain']);
    const amt = new Decimal(amtText);
    if (amt.lt(info.minWd)) throw new FundingError('51000', ['amt']);
    const fee = dest === '3' ? new Decimal(0) : new Decimal(info.fee);
    const f = this.#bal(this.ledger.account(account).funding, ccy);
    if (f.cash.minus(f.frozen).lt(amt.plus(fee))) throw new FundingError('58350');
    f.frozen = f.frozen.plus(amt.plus(fee));
    f.uTime = this.clock.now();
    const w: SimWithdrawal = {
      account,
      wdId: String(80_000_000 + ++this.#seq),
      ccy,
      chain,
      amt,
      fee,
      toAddr,
      clientId: String(item.clientId ?? ''),
      state: '0',
      ts: this.clock.now(),
    };
    this.#withdrawals.push(w);
    return { amt: amt.toFixed(), wdId: w.wdId, ccy, clientId: w.clientId, chain };
  }

  withdrawals(account: string, q: URLSearchParams): Record<string, unknown>[] {
    return this.#withdrawals
      .filter(
        (w) =>
          w.account === account &&
          (!q.get('ccy') || w.ccy === q.get('ccy')) &&
          (!q.get('wdId') || w.wdId === q.get('wdId')) &&
          (!q.get('state') || w.state === q.get('state')),
      )
      .reverse()
      .slice(0, Math.min(Number(q.get('limit')) || 100, 100))
      .map((w) => ({
        chain: w.chain,
        fee: w.fee.toFixed(),
        feeCcy: w.ccy,
        ccy: w.ccy,
        clientId: w.clientId,
        amt: w.amt.toFixed(),
        txId: '',
        from: '',
        areaCodeFrom: '',
        to: w.toAddr,
        areaCodeTo: '',
        state: w.state,
        ts: String(w.ts),
        nonTradableAsset: false,
        wdId: w.wdId,
        addrEx: '',
        tag: '',
        pmtId: '',
        memo: '',
        toAddrType: '1',
        note: '',
      }));
  }

  /** The opening balances arrived as on-chain deposits (state 2, credited). */
  deposits(account: string, q: URLSearchParams, uid: string): Record<string, unknown>[] {
    const a = this.ledger.account(account);
    return a.fundingBills
      .filter(
        (b) =>
          b.type === '1' &&
          (!q.get('ccy') || b.ccy === q.get('ccy')) &&
          (!q.get('depId') || b.billId === q.get('depId')),
      )
      .reverse()
      .slice(0, Math.min(Number(q.get('limit')) || 100, 100))
      .map((b) => ({
        actualDepBlkConfirm: '6',
        amt: b.balChg,
        areaCodeFrom: '',
        ccy: b.ccy,
        chain: CHAINS[b.ccy!]?.chain ?? `${b.ccy}-${b.ccy}`,
        depId: b.billId,
        from: '',
        fromWdId: '',
        state: '2',
        to: depositAddress(b.ccy!, uid),
        ts: b.ts,
        txId: `sim-deposit-${b.billId}`,
      }));
  }
}

/** An obviously fake, stable deposit address for a currency and user. */
export function depositAddress(ccy: string, uid: string): string {
  return `sim-${ccy.toLowerCase()}-deposit-${uid}`;
}
