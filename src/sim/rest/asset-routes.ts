import type { Convert } from '../engine/convert.js';
import type { MatchingEngine } from '../engine/engine.js';
import { CHAINS, depositAddress, FundingAccount, FundingError } from '../engine/funding-account.js';
import type { KeyRegistry } from '../keys.js';
import type { PrivateCall } from './private-routes.js';
import { ok, okxError, type Reply } from './reply.js';

type Route = (c: PrivateCall) => Reply;

function guard(fn: () => Reply): Reply {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FundingError) return okxError(err.code, ...err.params);
    throw err;
  }
}

function asObject(body: unknown): Record<string, unknown> | undefined {
  return body && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

// long: a route table: one short handler per OKX endpoint, read top to bottom
/**
 * Funding-account endpoints: currencies, deposit address and history, withdrawals (recorded as
 * pending; a key without the withdraw permission is refused 50114 at the gateway), transfers, and
 * the archive reads of fills, orders and bills (the local exchange keeps everything, so an archive
 * read answers from the same rows).
 */
export function assetRoutes(
  engine: MatchingEngine,
  keys: KeyRegistry,
  funding: FundingAccount,
  convert?: Convert,
): Record<string, Route> {
  const q = (c: PrivateCall) => Object.fromEntries(c.query.entries());
  return {
    'asset.currencies': (c) => {
      const want = (c.query.get('ccy') ?? '').split(',').filter(Boolean);
      const rows = Object.entries(CHAINS)
        .filter(([ccy]) => want.length === 0 || want.includes(ccy))
        .map(([ccy, i]) => ({
          ccy,
          name: ccy,
          logoLink: '',
          chain: i.chain,
          ctAddr: '',
          canDep: true,
          canWd: true,
          canInternal: true,
          depEstOpenTime: '',
          wdEstOpenTime: '',
          minDep: i.minWd,
          minWd: i.minWd,
          maxWd: '1000000',
          wdTickSz: ccy === 'USDT' || ccy === 'USDC' ? '6' : '8',
          wdQuota: '10000000',
          usedWdQuota: '0',
          fee: i.fee,
          minFee: i.fee,
          maxFee: i.fee,
          minFeeForCtAddr: i.fee,
          maxFeeForCtAddr: i.fee,
          burningFeeRate: '',
          mainNet: true,
          needTag: false,
          minDepArrivalConfirm: '6',
          minWdUnlockConfirm: '12',
          depQuotaFixed: '',
          usedDepQuotaFixed: '',
          depQuoteDailyLayer2: '',
        }));
      return ok(rows);
    },
    'asset.depositAddress': (c) => {
      const ccy = c.query.get('ccy') ?? '';
      if (!ccy) return okxError('50014', 'ccy');
      const i = CHAINS[ccy];
      if (!i) return okxError('51000', 'ccy');
      const uid = keys.uid(c.key.account);
      return ok([
        {
          addr: depositAddress(ccy, uid),
          tag: '',
          memo: '',
          pmtId: '',
          addrEx: '',
          ccy,
          chain: i.chain,
          to: '6',
          selected: true,
          ctAddr: '',
        },
      ]);
    },
    'asset.depositHistory': (c) => ok(funding.deposits(c.key.account, c.query, keys.uid(c.key.account))),
    'asset.withdrawalHistory': (c) => ok(funding.withdrawals(c.key.account, c.query)),
    'asset.withdrawal': (c) =>
      guard(() => {
        const o = asObject(c.body);
        if (!o) return okxError('50002');
        return ok([funding.withdraw(c.key.account, o)]);
      }),
    'asset.transfer': (c) =>
      guard(() => {
        const o = asObject(c.body);
        if (!o) return okxError('50002');
        return ok([funding.transfer(c.key.account, o)]);
      }),
    'asset.transferState': (c) => {
      const transId = c.query.get('transId') ?? '';
      const clientId = c.query.get('clientId') ?? '';
      if (!transId && !clientId) return okxError('50014', 'transId');
      return ok(funding.transferState(c.key.account, transId, clientId));
    },
    'trade.fillsHistory': (c) => {
      if (!c.query.get('instType')) return okxError('50014', 'instType');
      return ok(engine.fills(c.key.account, q(c)));
    },
    'trade.ordersHistoryArchive': (c) => {
      if (!c.query.get('instType')) return okxError('50014', 'instType');
      return ok(engine.ordersHistory(c.key.account, q(c)));
    },
    'account.billsArchive': (c) => ok(engine.bills(c.key.account, q(c))),
    ...(convert ? convertRoutes(convert) : {}),
  };
}

/** Convert (docs/OKX-PROTOCOL.md §7.5): currencies, pairs, quotes, trades and their history. */
function convertRoutes(convert: Convert): Record<string, Route> {
  const body = (c: PrivateCall, run: (o: Record<string, unknown>) => Record<string, string>): Reply =>
    guard(() => {
      const o = asObject(c.body);
      if (!o) return okxError('50002');
      return ok([run(o)]);
    });
  return {
    'asset.convertCurrencies': () => ok(convert.currencies()),
    'asset.convertCurrencyPair': (c) =>
      guard(() => ok(convert.currencyPair(c.query.get('fromCcy') ?? '', c.query.get('toCcy') ?? ''))),
    'asset.convertEstimateQuote': (c) => body(c, (o) => convert.estimateQuote(c.key.account, o)),
    'asset.convertTrade': (c) => body(c, (o) => convert.trade(c.key.account, o)),
    'asset.convertHistory': (c) => ok(convert.history(c.key.account, c.query)),
  };
}
