import { ExchangeDecimal as Decimal } from '../../util/decimal.js';
import type { Clock } from '../../util/clock.js';
import type { SimMarketApi } from '../contracts.js';
import { FundingError } from './funding-account.js';
import type { Ledger } from './ledger.js';

/**
 * Convert (docs/OKX-PROTOCOL.md §7.5): a quote priced from the local exchange's spot mid with a
 * spread, valid for `QUOTE_TTL_MS`, then a trade at that price within the quote's life. Convert
 * moves the trading account's balances (one bill out, one bill in: type 27, subTypes 319 / 318).
 * Deterministic: ids come from the clock and a counter, prices from the seeded market.
 */

/** How long a quote can be traded, as OKX answers in `ttlMs`. */
export const QUOTE_TTL_MS = 10_000;
/** The spread each side of the mid a quote is priced at (0.1 %). */
export const CONVERT_SPREAD = new Decimal('0.001');
/** The sizes a pair can be converted in, in its base and its quote. */
const LIMITS = { baseMin: '0.00001', baseMax: '10000', quoteMin: '1', quoteMax: '1000000' };

interface Quote {
  account: string;
  quoteId: string;
  instId: string;
  baseCcy: string;
  quoteCcy: string;
  side: 'buy' | 'sell';
  rfqSz: string;
  rfqSzCcy: string;
  px: Decimal;
  baseSz: Decimal;
  quoteSz: Decimal;
  quoteTime: number;
  clQReqId: string;
  used: boolean;
}

interface Trade {
  account: string;
  row: Record<string, string>;
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const DEC = /^\d+(\.\d+)?$/;
const SZ_DP = 8;

export class Convert {
  readonly #quotes = new Map<string, Quote>();
  readonly #trades: Trade[] = [];
  #seq = 0;

  constructor(
    private readonly ledger: Ledger,
    private readonly market: SimMarketApi,
    private readonly clock: Clock,
  ) {}

  /** Spot pairs convert between their base and quote: every currency of a spot pair. */
  #pairs() {
    return this.market.instruments().filter((i) => i.instType === 'SPOT');
  }

  /** GET /asset/convert/currencies. */
  currencies(): Record<string, string>[] {
    const ccys = new Set<string>();
    for (const i of this.#pairs()) ccys.add(i.baseCcy).add(i.quoteCcy);
    return [...ccys].sort().map((ccy) => ({ ccy, min: '', max: '' }));
  }

  /** GET /asset/convert/currency-pair: the pair of two currencies, either order. */
  currencyPair(fromCcy: string, toCcy: string): Record<string, string>[] {
    if (!fromCcy) throw new FundingError('50014', ['fromCcy']);
    if (!toCcy) throw new FundingError('50014', ['toCcy']);
    const i = this.#pairs().find(
      (p) =>
        (p.baseCcy === fromCcy && p.quoteCcy === toCcy) || (p.baseCcy === toCcy && p.quoteCcy === fromCcy),
    );
    if (!i) throw new FundingError('51000', ['toCcy']);
    return [
      {
        instId: i.instId,
        baseCcy: i.baseCcy,
        baseCcyMax: LIMITS.baseMax,
        baseCcyMin: LIMITS.baseMin,
        quoteCcy: i.quoteCcy,
        quoteCcyMax: LIMITS.quoteMax,
        quoteCcyMin: LIMITS.quoteMin,
      },
    ];
  }

  #mid(instId: string): Decimal {
    const d = this.market.depth(instId, 1);
    const bid = d.bids[0]?.[0];
    const ask = d.asks[0]?.[0];
    if (bid && ask) return new Decimal(bid).plus(ask).div(2);
    return new Decimal(this.market.last(instId));
  }

  /** POST /asset/convert/estimate-quote: prices `rfqSz` of `rfqSzCcy` at mid -/+ spread. */
  estimateQuote(account: string, item: Record<string, unknown>): Record<string, string> {
    const baseCcy = str(item.baseCcy);
    const quoteCcy = str(item.quoteCcy);
    const side = str(item.side);
    const rfqSz = str(item.rfqSz);
    const rfqSzCcy = str(item.rfqSzCcy);
    for (const [k, v] of Object.entries({ baseCcy, quoteCcy, side, rfqSz, rfqSzCcy }))
      if (!v) throw new FundingError('50014', [k]);
    const inst = this.#pairs().find((p) => p.baseCcy === baseCcy && p.quoteCcy === quoteCcy);
    if (!inst) throw new FundingError('51000', ['baseCcy']);
    if (side !== 'buy' && side !== 'sell') throw new FundingError('51000', ['side']);
    if (rfqSzCcy !== baseCcy && rfqSzCcy !== quoteCcy) throw new FundingError('51000', ['rfqSzCcy']);
    if (!DEC.test(rfqSz) || new Decimal(rfqSz).lte(0)) throw new FundingError('51000', ['rfqSz']);
    const sz = new Decimal(rfqSz);
    const inBase = rfqSzCcy === baseCcy;
    if (
      inBase
        ? sz.lt(LIMITS.baseMin) || sz.gt(LIMITS.baseMax)
        : sz.lt(LIMITS.quoteMin) || sz.gt(LIMITS.quoteMax)
    )
      throw new FundingError('51000', ['rfqSz']);
    const mid = this.#mid(inst.instId);
    // The user buys base above the mid and sells it below.
    const px = mid
      .mul(side === 'buy' ? CONVERT_SPREAD.plus(1) : new Decimal(1).minus(CONVERT_SPREAD))
      .toDecimalPlaces(SZ_DP);
    const baseSz = inBase ? sz : sz.div(px).toDecimalPlaces(SZ_DP, Decimal.ROUND_DOWN);
    const quoteSz = inBase ? sz.mul(px).toDecimalPlaces(SZ_DP, Decimal.ROUND_DOWN) : sz;
    const now = this.clock.now();
    const q: Quote = {
      account,
      quoteId: `quoter${inst.instId}${now}${++this.#seq}`,
      instId: inst.instId,
      baseCcy,
      quoteCcy,
      side,
      rfqSz: sz.toFixed(),
      rfqSzCcy,
      px,
      baseSz,
      quoteSz,
      quoteTime: now,
      clQReqId: str(item.clQReqId),
      used: false,
    };
    this.#quotes.set(q.quoteId, q);
    return {
      quoteTime: String(now),
      ttlMs: String(QUOTE_TTL_MS),
      clQReqId: q.clQReqId,
      cnvtPx: px.toFixed(),
      origRfqSz: q.rfqSz,
      quoteId: q.quoteId,
      baseCcy,
      quoteCcy,
      side,
      rfqSz: q.rfqSz,
      rfqSzCcy,
      baseSz: baseSz.toFixed(),
      quoteSz: quoteSz.toFixed(),
    };
  }

  /**
   * POST /asset/convert/trade: executes a live quote of this account once, for up to its size,
   * from the trading account. An unknown, used or expired quote is refused (51000 quoteId).
   */
  trade(account: string, item: Record<string, unknown>): Record<string, string> {
    const quoteId = str(item.quoteId);
    const baseCcy = str(item.baseCcy);
    const quoteCcy = str(item.quoteCcy);
    const side = str(item.side);
    const szText = str(item.sz);
    const szCcy = str(item.szCcy);
    for (const [k, v] of Object.entries({ quoteId, baseCcy, quoteCcy, side, sz: szText, szCcy }))
      if (!v) throw new FundingError('50014', [k]);
    const q = this.#quotes.get(quoteId);
    const now = this.clock.now();
    if (!q || q.account !== account || q.used || now > q.quoteTime + QUOTE_TTL_MS)
      throw new FundingError('51000', ['quoteId']);
    if (baseCcy !== q.baseCcy) throw new FundingError('51000', ['baseCcy']);
    if (quoteCcy !== q.quoteCcy) throw new FundingError('51000', ['quoteCcy']);
    if (side !== q.side) throw new FundingError('51000', ['side']);
    if (szCcy !== q.rfqSzCcy) throw new FundingError('51000', ['szCcy']);
    if (!DEC.test(szText) || new Decimal(szText).lte(0) || new Decimal(szText).gt(q.rfqSz))
      throw new FundingError('51000', ['sz']);
    const sz = new Decimal(szText);
    const inBase = szCcy === q.baseCcy;
    const baseSz = inBase ? sz : sz.div(q.px).toDecimalPlaces(SZ_DP, Decimal.ROUND_DOWN);
    const quoteSz = inBase ? sz.mul(q.px).toDecimalPlaces(SZ_DP, Decimal.ROUND_DOWN) : sz;
    const [payCcy, pay, getCcy, get] =
      side === 'sell' ? [baseCcy, baseSz, quoteCcy, quoteSz] : [quoteCcy, quoteSz, baseCcy, baseSz];
    if (this.ledger.available(account, payCcy).lt(pay)) throw new FundingError('58350');
    q.used = true;
    const tradeId = `trader${now}${++this.#seq}`;
    const bill = { type: '27', instId: q.instId, px: q.px.toFixed(), tradeId, notes: 'convert' };
    this.ledger.change(account, payCcy, pay.neg(), { ...bill, subType: '319', sz: pay.toFixed() });
    this.ledger.change(account, getCcy, get, { ...bill, subType: '318', sz: get.toFixed() });
    const row = {
      tradeId,
      quoteId,
      clTReqId: str(item.clTReqId),
      state: 'fullyFilled',
      instId: q.instId,
      baseCcy,
      quoteCcy,
      side,
      fillPx: q.px.toFixed(),
      fillBaseSz: baseSz.toFixed(),
      fillQuoteSz: quoteSz.toFixed(),
      ts: String(now),
    };
    this.#trades.push({ account, row });
    return row;
  }

  /** GET /asset/convert/history: newest first; `after` / `before` page on `ts`, at most 100. */
  history(account: string, q: URLSearchParams): Record<string, string>[] {
    const cl = q.get('clTReqId') ?? '';
    const after = Number(q.get('after') || Infinity);
    const before = Number(q.get('before') || -Infinity);
    const limit = Math.min(Number(q.get('limit')) || 100, 100);
    return this.#trades
      .filter(
        (t) =>
          t.account === account &&
          (!cl || t.row.clTReqId === cl) &&
          Number(t.row.ts) < after &&
          Number(t.row.ts) > before,
      )
      .reverse()
      .slice(0, limit)
      .map(({ row: { quoteId: _q, ...r } }) => r);
  }
}
