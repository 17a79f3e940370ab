import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../../util/clock.js';
import type { SimKey } from '../contracts.js';
import { EngineRequestError, tradeEnvelope, type ItemResult, type MatchingEngine } from '../engine/engine.js';
import { Convert } from '../engine/convert.js';
import { FundingAccount } from '../engine/funding-account.js';
import type { KeyRegistry } from '../keys.js';
import type { SimMarketApi } from '../contracts.js';
import { algoRoutes } from './algo-routes.js';
import { assetRoutes } from './asset-routes.js';
import { derivativeRoutes } from './deriv-routes.js';
import { loanRoutes } from './loan-routes.js';
import { ok, okxError, type Reply } from './reply.js';

export interface PrivateCall {
  key: SimKey;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingHttpHeaders;
}

type Route = (c: PrivateCall) => Reply;

function queryObject(q: URLSearchParams): Record<string, string> {
  return Object.fromEntries(q.entries());
}

function ccyList(q: URLSearchParams): string[] | undefined {
  const v = q.get('ccy');
  return v ? v.split(',') : undefined;
}

function asItems(body: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(body)) return undefined;
  return body.every((x) => x && typeof x === 'object' && !Array.isArray(x))
    ? (body as Record<string, unknown>[])
    : undefined;
}

function asObject(body: unknown): Record<string, unknown> | undefined {
  return body && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

/** expTime header (docs/OKX-PROTOCOL.md §9): unix ms; undefined when absent. */
function expTime(headers: IncomingHttpHeaders): number | undefined | Reply {
  const v = headers['exptime'];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s === '') return undefined;
  if (!/^\d+$/.test(s)) return okxError('51000', 'expTime');
  return Number(s);
}

// long: a route table: one short handler per OKX endpoint, read top to bottom
export function privateRoutes(
  engine: MatchingEngine,
  keys: KeyRegistry,
  clock: Clock,
  market?: SimMarketApi,
): Record<string, Route> {
  const funding = new FundingAccount(engine.ledger, clock);
  const convert = market ? new Convert(engine.ledger, market, clock) : undefined;
  const us = () => String(clock.now() * 1000);
  const envelope = (fn: () => ItemResult[]): Reply => {
    const inTime = us();
    const items = fn();
    return { status: 200, body: { ...tradeEnvelope(items, inTime, us()) } };
  };
  const single =
    (exp: boolean, run: (account: string, items: Record<string, unknown>[], e?: number) => ItemResult[]) =>
    (c: PrivateCall): Reply => {
      const o = asObject(c.body);
      if (!o) return okxError('50002');
      const e = exp ? expTime(c.headers) : undefined;
      if (e !== undefined && typeof e !== 'number') return e;
      return envelope(() => run(c.key.account, [o], e));
    };
  const batch =
    (
      exp: boolean,
      maxCode: string,
      run: (account: string, items: Record<string, unknown>[], e?: number) => ItemResult[],
    ) =>
    (c: PrivateCall): Reply => {
      const items = asItems(c.body);
      if (!items) return okxError('50002');
      if (items.length === 0) return okxError('50014', 'data');
      if (items.length > 20) return okxError(maxCode, '20');
      const e = exp ? expTime(c.headers) : undefined;
      if (e !== undefined && typeof e !== 'number') return e;
      return envelope(() => run(c.key.account, items, e));
    };
  const place = (a: string, items: Record<string, unknown>[], e?: number) =>
    engine.placeOrders(a, items, { expTimeMs: e });
  const cancel = (a: string, items: Record<string, unknown>[]) => engine.cancelOrders(a, items);
  const amend = (a: string, items: Record<string, unknown>[], e?: number) =>
    engine.amendOrders(a, items, { expTimeMs: e });

  return {
    ...assetRoutes(engine, keys, funding, convert),
    ...algoRoutes(engine, us),
    ...(market ? derivativeRoutes(engine, market) : {}),
    ...loanRoutes(engine, market),
    'account.balance': (c) => ok([engine.balance(c.key.account, ccyList(c.query))]),
    'account.bills': (c) => ok(engine.bills(c.key.account, queryObject(c.query))),
    'account.config': (c) => {
      const uid = keys.uid(c.key.account);
      // docs/OKX-PROTOCOL.md §6: perm/ip/label are the calling key's; autoLoan & co are Booleans, traderInsts arrays.
      return ok([
        {
          uid,
          mainUid: uid,
          acctLv: engine.derivs.settings(c.key.account).acctLv,
          acctStpMode: 'cancel_maker',
          posMode: engine.derivs.settings(c.key.account).posMode,
          autoLoan: false,
          greeksType: 'PA',
          level: 'Lv1',
          levelTmp: '',
          ctIsoMode: 'automatic',
          mgnIsoMode: 'automatic',
          spotOffsetType: '',
          roleType: '0',
          traderInsts: [],
          spotRoleType: '0',
          spotTraderInsts: [],
          opAuth: '0',
          kycLv: '2',
          label: c.key.label,
          ip: c.key.ip,
          perm: c.key.perm,
          liquidationGear: '-1',
          enableSpotBorrow: engine.loans.spotBorrowEnabled(c.key.account),
          spotBorrowAutoRepay: false,
          type: '0',
          settleCcy: 'USDT',
          settleCcyList: ['USDT', 'USDC', 'USD'],
        },
      ]);
    },
    'asset.balances': (c) => ok(engine.fundingBalances(c.key.account, ccyList(c.query))),
    'asset.bills': (c) => ok(engine.fundingBills(c.key.account, queryObject(c.query))),

    'trade.order': single(true, place),
    'trade.batchOrders': batch(true, '51111', place),
    'trade.cancelOrder': single(false, cancel),
    'trade.cancelBatchOrders': batch(false, '51111', cancel),
    'trade.amendOrder': single(true, amend),
    'trade.amendBatchOrders': batch(true, '51501', amend),
    'trade.getOrder': (c) => {
      const instId = c.query.get('instId') ?? '';
      if (!instId) return okxError('50014', 'instId');
      const ordId = c.query.get('ordId') ?? '';
      const clOrdId = c.query.get('clOrdId') ?? '';
      if (!ordId && !clOrdId) return okxError('51003');
      const o = engine.getOrder(c.key.account, instId, ordId, clOrdId);
      return o ? ok([o]) : okxError('51603');
    },
    'trade.ordersPending': (c) => ok(engine.ordersPending(c.key.account, queryObject(c.query))),
    'trade.ordersHistory': (c) => {
      if (!c.query.get('instType')) return okxError('50014', 'instType');
      return ok(engine.ordersHistory(c.key.account, queryObject(c.query)));
    },
    'trade.fills': (c) => ok(engine.fills(c.key.account, queryObject(c.query))),
    'trade.cancelAllAfter': (c) => {
      const o = asObject(c.body);
      if (!o) return okxError('50002');
      const timeOut = o.timeOut;
      if (timeOut === undefined || timeOut === '') return okxError('50014', 'timeOut');
      try {
        return ok([
          engine.cancelAllAfter(c.key.account, String(timeOut), typeof o.tag === 'string' ? o.tag : ''),
        ]);
      } catch (err) {
        if (err instanceof EngineRequestError)
          return { ...okxError(err.okxCode), body: { code: err.okxCode, msg: err.okxMsg, data: [] } };
        throw err;
      }
    },
  };
}
