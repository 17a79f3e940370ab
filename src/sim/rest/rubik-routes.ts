import type { Clock } from '../../util/clock.js';
import type { CandleRow, SimInstrument, SimMarketApi } from '../contracts.js';
import type { Derivatives } from '../engine/derivatives.js';
import { hashUnit } from '../market/prng.js';
import { ok, okxError, type Reply } from './reply.js';

type Query = URLSearchParams;

const DAY = 86_400_000;
/**
 * Currency-wide statistics take 5m, 1H or 1D and reach back 2, 30 or 180 days
 * (docs/OKX-PROTOCOL.md §7.6).
 */
export const CCY_PERIODS: Readonly<Record<string, number>> = {
  '5m': 2 * DAY,
  '1H': 30 * DAY,
  '1D': 180 * DAY,
};
/** Per-instrument statistics take the candle bars from 5m up, at most 100 rows a request. */
export const INST_PERIODS: readonly string[] = [
  '5m', '15m', '30m', '1H', '2H', '4H', '6H', '12H', '1D', '2D', '3D', '1W', '1M', '3M',
  '6Hutc', '12Hutc', '1Dutc', '2Dutc', '3Dutc', '1Wutc', '1Mutc', '3Mutc',
]; // prettier-ignore

const fx = (n: number, dp = 8) => String(Number(n.toFixed(dp)));

interface Point {
  ts: number;
  o: number;
  c: number;
  /** Volume in contracts (base units for spot), in coin, in quote. */
  vol: number;
  volCcy: number;
  volQuote: number;
}

function points(rows: CandleRow[]): Point[] {
  return rows.map((r) => ({
    ts: Number(r[0]),
    o: Number(r[1]),
    c: Number(r[4]),
    vol: Number(r[5]),
    volCcy: Number(r[6]),
    volQuote: Number(r[7]),
  }));
}

/**
 * The long/short account ratio of a period: traders lean against the move (more accounts long
 * after a fall), around 1, with a seeded wobble per instrument and period.
 */
function lsRatio(code: number, p: Point): number {
  const ret = p.o > 0 ? (p.c - p.o) / p.o : 0;
  const wobble = hashUnit(code, Math.floor(p.ts / 60_000), 0x4c53) - 0.5;
  return Math.exp(Math.max(-0.8, Math.min(0.8, -ret * 40 + wobble * 0.2)));
}

/** The share of a period's volume bought by takers: more when the price rose. */
function buyShare(code: number, p: Point): number {
  const ret = p.o > 0 ? (p.c - p.o) / p.o : 0;
  const wobble = hashUnit(code, Math.floor(p.ts / 60_000), 0x5456) - 0.5;
  return Math.max(0.05, Math.min(0.95, 0.5 + Math.tanh(ret * 60) * 0.4 + wobble * 0.1));
}

// long: a route table: one short handler per OKX rubik endpoint, read top to bottom
/**
 * Trading statistics (rubik) derived from the local exchange's seeded candles: taker buy/sell
 * volume, long/short account ratios and open interest with volume (docs/OKX-PROTOCOL.md §7.6).
 * Rows are arrays of strings, newest first, as OKX sends them.
 */
export function rubikRoutes(
  market: SimMarketApi,
  clock: Clock,
  derivs: Derivatives,
): Record<string, (q: Query) => Reply> {
  const contractsOf = (ccy: string) =>
    market.instruments().filter((i) => i.contract && i.instType !== 'OPTION' && i.baseCcy === ccy);

  /** Candles of `bar` over [begin, end], newest first, up to `max` rows (pages of 300). */
  const series = (instId: string, bar: string, begin: number, end: number, max: number): Point[] => {
    const out: CandleRow[] = [];
    let after = end + 1;
    while (out.length < max) {
      const page = market.candles(instId, bar, {
        after,
        before: begin - 1,
        limit: Math.min(300, max - out.length),
        history: true,
      });
      if (page.length === 0) break;
      out.push(...page);
      after = Number(page[page.length - 1]![0]);
    }
    return points(out);
  };

  const range = (q: Query): { begin: number; end: number } | Reply => {
    const now = clock.now();
    for (const k of ['begin', 'end'] as const) {
      const v = q.get(k);
      if (v && !/^\d+$/.test(v)) return okxError('51000', k);
    }
    return { begin: Number(q.get('begin') || 0), end: Number(q.get('end') || now) };
  };

  /** ccy + period (5m / 1H / 1D) endpoints: the rows of the reachable window. */
  const byCcy = (q: Query, needContracts: boolean) => {
    const ccy = q.get('ccy') ?? '';
    if (!ccy) return okxError('50014', 'ccy');
    const period = q.get('period') || '5m';
    const reach = CCY_PERIODS[period];
    if (reach === undefined) return okxError('51000', 'period');
    const r = range(q);
    if ('status' in r) return r;
    const begin = Math.max(r.begin, clock.now() - reach);
    const insts = needContracts ? contractsOf(ccy) : [];
    const spot = market.instrument(`${ccy}-USDT`);
    if (!spot || (needContracts && insts.length === 0)) return okxError('51000', 'ccy');
    return { ccy, period, begin, end: r.end, insts, spot, max: Math.ceil(reach / 300_000) };
  };

  const byInst = (q: Query): { inst: SimInstrument; pts: Point[] } | Reply => {
    const instId = q.get('instId') ?? '';
    if (!instId) return okxError('50014', 'instId');
    const inst = market.instrument(instId);
    if (!inst || !inst.contract) return okxError('51001');
    const period = q.get('period') || '5m';
    if (!INST_PERIODS.includes(period)) return okxError('51000', 'period');
    const lim = q.get('limit');
    if (lim && (!/^\d+$/.test(lim) || Number(lim) < 1)) return okxError('51000', 'limit');
    const r = range(q);
    if ('status' in r) return r;
    return { inst, pts: series(instId, period, r.begin, r.end, Math.min(Number(lim) || 100, 100)) };
  };

  /** Open interest of a contract at a period start: the steady book of others, moving slowly. */
  const oiAt = (inst: SimInstrument, ts: number): number => {
    const base = derivs.openInterest(inst).oi.toNumber();
    const drift = hashUnit(inst.instIdCode, Math.floor(ts / 3_600_000), 0x4f49) - 0.5;
    return Math.round(base * (1 + drift * 0.1) * 100) / 100;
  };
  const usd = (inst: SimInstrument, contracts: number, px: number) => {
    const c = inst.contract!;
    return c.ctType === 'linear' ? contracts * Number(c.ctVal) * px : contracts * Number(c.ctVal);
  };
  const usdVol = (inst: SimInstrument, p: Point) => usd(inst, p.vol, p.c);

  return {
    'rubik.supportCoin': () => {
      const contract = [
        ...new Set(
          contractsOf('BTC')
            .concat(contractsOf('ETH'))
            .map((i) => i.baseCcy),
        ),
      ];
      const spot = market
        .instruments()
        .filter((i) => i.instType === 'SPOT' && i.quoteCcy === 'USDT')
        .map((i) => i.baseCcy);
      return ok([{ contract, option: ['BTC', 'ETH'], spot }]);
    },
    'rubik.takerVolume': (q) => {
      const instType = q.get('instType') ?? '';
      if (!instType) return okxError('50014', 'instType');
      if (instType !== 'SPOT' && instType !== 'CONTRACTS') return okxError('51000', 'instType');
      const s = byCcy(q, instType === 'CONTRACTS');
      if ('status' in s) return s;
      // Coin volume of the index pair's candles (times the contracts listed, for CONTRACTS): sell, buy.
      const n = instType === 'SPOT' ? 1 : s.insts.length;
      return ok(
        series(s.spot.instId, s.period, s.begin, s.end, s.max).map((p) => {
          const b = buyShare(s.spot.instIdCode + (n > 1 ? 1 : 0), p);
          return [String(p.ts), fx(p.volCcy * n * (1 - b), 4), fx(p.volCcy * n * b, 4)];
        }),
      );
    },
    'rubik.takerVolumeContract': (q) => {
      const unit = q.get('unit') || '1';
      if (!['0', '1', '2'].includes(unit)) return okxError('51000', 'unit');
      const x = byInst(q);
      if ('status' in x) return x;
      return ok(
        x.pts.map((p) => {
          const total = unit === '0' ? p.volCcy : unit === '1' ? p.vol : usdVol(x.inst, p);
          const b = buyShare(x.inst.instIdCode, p);
          return [String(p.ts), fx(total * (1 - b), 4), fx(total * b, 4)];
        }),
      );
    },
    'rubik.longShortAccountRatio': (q) => {
      const s = byCcy(q, true);
      if ('status' in s) return s;
      return ok(
        series(s.spot.instId, s.period, s.begin, s.end, s.max).map((p) => [
          String(p.ts),
          fx(lsRatio(s.spot.instIdCode, p), 4),
        ]),
      );
    },
    'rubik.longShortAccountRatioContract': (q) => {
      const x = byInst(q);
      if ('status' in x) return x;
      return ok(x.pts.map((p) => [String(p.ts), fx(lsRatio(x.inst.instIdCode, p), 4)]));
    },
    'rubik.contractsOpenInterestVolume': (q) => {
      const s = byCcy(q, true);
      if ('status' in s) return s;
      // USD, valued at the index: the contracts' open interest at the period, and the index pair's
      // quote volume over it times the contracts listed (a contract's own history costs more to draw).
      return ok(
        series(s.spot.instId, s.period, s.begin, s.end, s.max).map((p) => {
          const oi = s.insts.reduce((acc, i) => acc + usd(i, oiAt(i, p.ts), p.c), 0);
          return [String(p.ts), fx(oi, 4), fx(p.volQuote * s.insts.length, 4)];
        }),
      );
    },
    'rubik.openInterestHistory': (q) => {
      const x = byInst(q);
      if ('status' in x) return x;
      const c = x.inst.contract!;
      return ok(
        x.pts.map((p) => {
          const oi = oiAt(x.inst, p.ts);
          const coin = c.ctType === 'linear' ? oi * Number(c.ctVal) : (oi * Number(c.ctVal)) / p.c;
          return [String(p.ts), fx(oi, 2), fx(coin, 8), fx(usd(x.inst, oi, p.c), 4)];
        }),
      );
    },
  };
}
