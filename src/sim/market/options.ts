import type { SimMarketApi } from '../contracts.js';

const DAY = 86_400_000;

/**
 * The OPTION instrument list of the local exchange: for each underlying (BTC-USD, ETH-USD) the
 * next two weekly expiries (Friday 08:00 UTC) and five strikes a side of the spot price, calls
 * and puts, in OKX's instrument shape. Listed only: options are not traded here.
 */
export function optionInstruments(
  market: SimMarketApi,
  nowMs: number,
  listTime: string,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const unders: Array<[string, string, number, number]> = [
    ['BTC', 'BTC-USDT', 1000, 0.01],
    ['ETH', 'ETH-USDT', 50, 0.1],
  ];
  let friday = Math.floor(nowMs / DAY) * DAY + 8 * 3_600_000;
  while (new Date(friday).getUTCDay() !== 5 || friday <= nowMs + DAY) friday += DAY;
  for (const [coin, index, step, ctVal] of unders) {
    if (!market.instrument(index)) continue;
    const spot = Number(market.last(index));
    const atm = Math.round(spot / step) * step;
    for (const exp of [friday, friday + 7 * DAY]) {
      const d = new Date(exp).toISOString().slice(2, 10).replace(/-/g, '');
      for (let k = -5; k <= 5; k++) {
        const stk = String(atm + k * step);
        for (const optType of ['C', 'P']) {
          out.push({
            instType: 'OPTION',
            instId: `${coin}-USD-${d}-${stk}-${optType}`,
            uly: `${coin}-USD`,
            instFamily: `${coin}-USD`,
            baseCcy: '',
            quoteCcy: '',
            settleCcy: coin,
            ctVal: String(ctVal),
            ctMult: '1',
            ctValCcy: coin,
            ctType: '',
            optType,
            stk,
            listTime,
            expTime: String(exp),
            contTdSwTime: '',
            openType: '',
            lever: '',
            tickSz: '0.0001',
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
          });
        }
      }
    }
  }
  return out;
}
