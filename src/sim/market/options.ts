import type { BookLevel } from '../../protocol/book-checksum.js';
import type { SimMarketApi } from '../contracts.js';

const DAY = 86_400_000;
const YEAR = 365 * DAY;
const TICK = 0.0001;
/** Half the bid-ask spread of the quotes, in volatility points. */
const VOL_SPREAD = 0.02;

/** One underlying of the option board: its coin, index (a spot USDT pair), strike step and contract value. */
interface Underlying {
  coin: string;
  index: string;
  step: number;
  ctVal: string;
  /** At-the-money volatility of the surface (docs/SIMULATOR.md "Options"). */
  atmVol: number;
}

const UNDERLYINGS: Underlying[] = [
  { coin: 'BTC', index: 'BTC-USDT', step: 1000, ctVal: '0.01', atmVol: 0.5 },
  { coin: 'ETH', index: 'ETH-USDT', step: 50, ctVal: '0.1', atmVol: 0.65 },
];

/** A listed option: what its instrument row and its prices are computed from. */
export interface SimOption {
  instId: string;
  coin: string;
  family: string;
  /** YYMMDD, as in the instId and opt-summary's expTime parameter */
  expCode: string;
  expTime: number;
  strike: number;
  optType: 'C' | 'P';
  ctVal: string;
  index: string;
  atmVol: number;
}

/** The model's numbers for one option now (all prices of the premium in the coin, as OKX quotes them). */
export interface OptionQuote {
  /** index (USD) and forward (= index: no rates in the model) */
  index: number;
  fwd: number;
  /** years to expiry */
  t: number;
  markVol: number;
  /** premium in the coin */
  mark: number;
  bid: number;
  ask: number;
  /** Black-Scholes greeks in USD: delta per 1 USD move, gamma per USD, vega per vol point, theta per day */
  deltaBS: number;
  gammaBS: number;
  vegaBS: number;
  thetaBS: number;
}

/** Standard normal density and distribution (Abramowitz and Stegun 26.2.17, |error| < 7.5e-8; N(-x) = 1 - N(x) exactly). */
function pdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}
function cdf(x: number): number {
  if (x < 0) return 1 - cdf(-x);
  const k = 1 / (1 + 0.2316419 * x);
  const poly =
    k * (0.31938153 + k * (-0.356563782 + k * (1.781477937 + k * (-1.821255978 + k * 1.330274429))));
  return 1 - pdf(x) * poly;
}

/** Black-Scholes price in USD with zero rates (forward = index). */
function bsUsd(call: boolean, f: number, k: number, vol: number, t: number): number {
  const sd = vol * Math.sqrt(t);
  const d1 = (Math.log(f / k) + 0.5 * sd * sd) / sd;
  const d2 = d1 - sd;
  return call ? f * cdf(d1) - k * cdf(d2) : k * cdf(-d2) - f * cdf(-d1);
}

const fixed = (x: number, dp: number): string => String(Number(x.toFixed(dp)));

/**
 * The options of the local exchange (docs/SIMULATOR.md "Options"): for BTC-USD and ETH-USD the
 * next two weekly expiries (Friday 08:00 UTC, more than a day away) and eleven strikes around the
 * index, calls and puts. Each expiry's strikes are fixed when it is first listed, so a chain stays
 * the chain the client loaded. Prices come from Black-Scholes on the index with a fixed volatility
 * smile; nothing here trades.
 */
export class OptionBoard {
  /** `${coin}|${expTime}` -> strikes, fixed at first listing */
  private readonly strikes = new Map<string, number[]>();

  constructor(private readonly market: SimMarketApi) {}

  /** Every option listed at `nowMs`, underlying by underlying, expiry by expiry, strike by strike, call then put. */
  list(nowMs: number): SimOption[] {
    let friday = Math.floor(nowMs / DAY) * DAY + 8 * 3_600_000;
    while (new Date(friday).getUTCDay() !== 5 || friday <= nowMs + DAY) friday += DAY;
    const out: SimOption[] = [];
    for (const u of UNDERLYINGS) {
      if (!this.market.instrument(u.index)) continue;
      for (const exp of [friday, friday + 7 * DAY]) {
        const expCode = new Date(exp).toISOString().slice(2, 10).replace(/-/g, '');
        for (const strike of this.strikesOf(u, exp)) {
          for (const optType of ['C', 'P'] as const) {
            out.push({
              instId: `${u.coin}-USD-${expCode}-${strike}-${optType}`,
              coin: u.coin,
              family: `${u.coin}-USD`,
              expCode,
              expTime: exp,
              strike,
              optType,
              ctVal: u.ctVal,
              index: u.index,
              atmVol: u.atmVol,
            });
          }
        }
      }
    }
    return out;
  }

  find(instId: string, nowMs: number): SimOption | undefined {
    if (!/^[A-Z]+-USD-\d{6}-\d+-[CP]$/.test(instId)) return undefined;
    return this.list(nowMs).find((o) => o.instId === instId);
  }

  private strikesOf(u: Underlying, exp: number): number[] {
    const key = `${u.coin}|${exp}`;
    let ks = this.strikes.get(key);
    if (!ks) {
      const atm = Math.round(Number(this.market.last(u.index)) / u.step) * u.step;
      ks = [];
      for (let k = -5; k <= 5; k++) if (atm + k * u.step > 0) ks.push(atm + k * u.step);
      this.strikes.set(key, ks);
    }
    return ks;
  }

  /**
   * The model now: index S from the spot USDT pair, forward F = S, T in years to expiry,
   * volatility from the smile sigma = atmVol + 0.6 x^2 - 0.15 x with x = ln(K/F), the premium
   * in the coin = Black-Scholes(USD) / S; bid and ask at sigma -/+ 2 points.
   */
  quote(o: SimOption, nowMs: number): OptionQuote {
    const s = Number(this.market.last(o.index));
    const f = s;
    const t = Math.max(o.expTime - nowMs, 60_000) / YEAR;
    const x = Math.log(o.strike / f);
    const vol = o.atmVol + 0.6 * x * x - 0.15 * x;
    const call = o.optType === 'C';
    const sqrtT = Math.sqrt(t);
    const d1 = (-x + 0.5 * vol * vol * t) / (vol * sqrtT);
    const coin = (v: number) => bsUsd(call, f, o.strike, v, t) / s;
    return {
      index: s,
      fwd: f,
      t,
      markVol: vol,
      mark: coin(vol),
      bid: coin(Math.max(vol - VOL_SPREAD, 0.01)),
      ask: coin(vol + VOL_SPREAD),
      deltaBS: call ? cdf(d1) : cdf(d1) - 1,
      gammaBS: pdf(d1) / (s * vol * sqrtT),
      vegaBS: (s * pdf(d1) * sqrtT) / 100,
      thetaBS: -(s * pdf(d1) * vol) / (2 * sqrtT) / 365,
    };
  }

  /** GET /market/ticker(s) row of an option: quotes from the model, no trades yet. */
  ticker(o: SimOption, nowMs: number): Record<string, string> {
    const q = this.quote(o, nowMs);
    const bid = Math.floor(q.bid / TICK) * TICK;
    const ask = Math.ceil(q.ask / TICK) * TICK;
    return {
      instType: 'OPTION',
      instId: o.instId,
      last: '',
      lastSz: '0',
      askPx: fixed(ask, 4),
      askSz: '100',
      bidPx: bid >= TICK ? fixed(bid, 4) : '',
      bidSz: bid >= TICK ? '100' : '0',
      open24h: '',
      high24h: '',
      low24h: '',
      volCcy24h: '0',
      vol24h: '0',
      sodUtc0: '',
      sodUtc8: '',
      ts: String(nowMs),
    };
  }

  /** A small book around the model's quotes: `levels` a side, one tick apart, 100 contracts each. */
  depth(o: SimOption, nowMs: number, levels: number): { bids: BookLevel[]; asks: BookLevel[] } {
    const t = this.ticker(o, nowMs);
    const bids: BookLevel[] = [];
    const asks: BookLevel[] = [];
    const n = Math.min(levels, 5);
    for (let i = 0; i < n; i++) {
      const a = Number(t.askPx) + i * TICK;
      asks.push([fixed(a, 4), String(100 * (i + 1)), '0', String(i + 1)]);
      const b = Number(t.bidPx) - i * TICK;
      if (t.bidPx !== '' && b >= TICK) bids.push([fixed(b, 4), String(100 * (i + 1)), '0', String(i + 1)]);
    }
    return { bids, asks };
  }

  /** GET /public/opt-summary row (docs/OKX-PROTOCOL.md §7.8): Black-Scholes greeks and their coin forms. */
  summary(o: SimOption, nowMs: number): Record<string, string> {
    const q = this.quote(o, nowMs);
    const mark = Math.max(q.mark, 1e-8);
    return {
      instType: 'OPTION',
      instId: o.instId,
      uly: o.family,
      // Coin-denominated ("PA") forms: the premium is paid in the coin, so its delta nets the premium.
      delta: fixed(q.deltaBS - q.mark, 10),
      gamma: fixed(q.gammaBS * q.index, 10),
      vega: fixed(q.vegaBS / q.index, 10),
      theta: fixed(q.thetaBS / q.index, 10),
      deltaBS: fixed(q.deltaBS, 10),
      gammaBS: fixed(q.gammaBS, 12),
      vegaBS: fixed(q.vegaBS, 8),
      thetaBS: fixed(q.thetaBS, 8),
      lever: fixed(1 / mark, 6),
      markVol: fixed(q.markVol, 8),
      bidVol: fixed(Math.max(q.markVol - VOL_SPREAD, 0.01), 8),
      askVol: fixed(q.markVol + VOL_SPREAD, 8),
      realVol: '',
      volLv: fixed(o.atmVol, 8),
      fwdPx: fixed(q.fwd, 8),
      ts: String(nowMs),
    };
  }

  /** GET /public/mark-price row of an option: the model's premium in the coin. */
  markRow(o: SimOption, nowMs: number): Record<string, string> {
    return {
      instType: 'OPTION',
      instId: o.instId,
      markPx: fixed(this.quote(o, nowMs).mark, 8),
      ts: String(nowMs),
    };
  }

  /** GET /public/instruments row of an option, in OKX's instrument shape. */
  instrumentRow(o: SimOption, listTime: string): Record<string, unknown> {
    return {
      instType: 'OPTION',
      instId: o.instId,
      uly: o.family,
      instFamily: o.family,
      baseCcy: '',
      quoteCcy: '',
      settleCcy: o.coin,
      ctVal: o.ctVal,
      ctMult: '1',
      ctValCcy: o.coin,
      ctType: '',
      optType: o.optType,
      stk: String(o.strike),
      listTime,
      expTime: String(o.expTime),
      contTdSwTime: '',
      openType: '',
      lever: '',
      tickSz: String(TICK),
      lotSz: '1',
      minSz: '1',
      alias: '',
      state: 'live',
      ruleType: 'normal',
      maxLmtSz: '10000',
      maxMktSz: '5000',
      maxLmtAmt: '',
      maxMktAmt: '',
      maxTwapSz: '',
      maxIcebergSz: '',
      maxTriggerSz: '',
      maxStopSz: '',
      category: '1',
      auctionEndTime: '',
      futureSettlement: false,
      tradeQuoteCcyList: [],
      instIdCode: 0,
      groupId: '1',
    };
  }
}

const BOARDS = new WeakMap<SimMarketApi, OptionBoard>();

/** The one option board of a market (every route of one exchange sees the same strikes). */
export function optionBoard(market: SimMarketApi): OptionBoard {
  let b = BOARDS.get(market);
  if (!b) BOARDS.set(market, (b = new OptionBoard(market)));
  return b;
}

/** The OPTION instrument list at `nowMs`, as GET /public/instruments returns it. */
export function optionInstruments(
  market: SimMarketApi,
  nowMs: number,
  listTime: string,
): Record<string, unknown>[] {
  const board = optionBoard(market);
  return board.list(nowMs).map((o) => board.instrumentRow(o, listTime));
}
