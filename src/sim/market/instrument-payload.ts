import type { SimInstrument } from '../contracts.js';

/** The full OKX instrument object (docs/OKX-PROTOCOL.md §7.2), as GET /public/instruments and the instruments channel send it: strings, except instIdCode (Integer), futureSettlement (Boolean), tradeQuoteCcyList (array). */
export function instrumentToOkx(i: SimInstrument): Record<string, unknown> {
  const c = i.contract;
  return {
    instType: i.instType,
    instId: i.instId,
    uly: c?.uly ?? '',
    instFamily: c?.uly ?? '',
    // A contract lists baseCcy/quoteCcy empty (facts: only SPOT/MARGIN carry them).
    baseCcy: c ? '' : i.baseCcy,
    quoteCcy: c ? '' : i.quoteCcy,
    settleCcy: c?.settleCcy ?? '',
    ctVal: c?.ctVal ?? '',
    ctMult: c ? '1' : '',
    ctValCcy: c?.ctValCcy ?? '',
    ctType: c?.ctType ?? '',
    optType: '',
    stk: '',
    listTime: i.listTime,
    expTime: c?.expTime ?? '',
    contTdSwTime: '',
    openType: '',
    lever: c?.lever ?? '',
    tickSz: i.tickSz,
    lotSz: i.lotSz,
    minSz: i.minSz,
    alias: c?.alias ?? '',
    state: i.state,
    ruleType: 'normal',
    maxLmtSz: i.maxLmtSz,
    maxMktSz: i.maxMktSz,
    maxLmtAmt: '20000000',
    maxMktAmt: '1000000',
    maxTwapSz: '',
    maxIcebergSz: '',
    maxTriggerSz: '',
    maxStopSz: '',
    category: '1',
    auctionEndTime: '',
    futureSettlement: false,
    tradeQuoteCcyList: c ? [] : [i.quoteCcy],
    instIdCode: i.instIdCode,
    groupId: '1',
  };
}
