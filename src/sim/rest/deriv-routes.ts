import { ExchangeDecimal as Decimal } from '../../util/decimal.js';
import { DerivError, type PosSide } from '../engine/derivatives.js';
import { CONTRACT_MAKER_RATE, CONTRACT_TAKER_RATE } from '../engine/derivatives.js';
import type { MatchingEngine } from '../engine/engine.js';
import type { SimMarketApi } from '../contracts.js';
import type { PrivateCall } from './private-routes.js';
import { ok, okxError, type Reply } from './reply.js';

type Route = (c: PrivateCall) => Reply;

function asObject(body: unknown): Record<string, unknown> | undefined {
  return body && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

function guard(fn: () => Reply): Reply {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DerivError) return okxError(err.code, ...err.params);
    throw err;
  }
}

// long: a route table: one short handler per OKX endpoint, read top to bottom
/**
 * Account and trade endpoints of contracts: positions, leverage, position and account modes,
 * max sizes, isolated margin, close-position, trade fees (docs/SIMULATOR.md).
 */
export function derivativeRoutes(engine: MatchingEngine, market: SimMarketApi): Record<string, Route> {
  const d = engine.derivs;
  const contract = (instId: string) => {
    const i = market.instrument(instId);
    return i && i.contract ? i : undefined;
  };
  return {
    'account.positions': (c) => {
      const instType = c.query.get('instType') ?? '';
      const instIds = (c.query.get('instId') ?? '').split(',').filter(Boolean);
      const posIds = (c.query.get('posId') ?? '').split(',').filter(Boolean);
      if (instType && !['MARGIN', 'SWAP', 'FUTURES', 'OPTION'].includes(instType))
        return okxError('51000', 'instType');
      const rows = d
        .list(c.key.account)
        .filter(
          (p) =>
            (!instType || p.inst.instType === instType) &&
            (instIds.length === 0 || instIds.includes(p.inst.instId)) &&
            (posIds.length === 0 || posIds.includes(p.posId)),
        )
        .map((p) => d.positionRow(p));
      return ok(rows);
    },
    'account.positionsHistory': (c) => {
      const instType = c.query.get('instType') ?? '';
      const instId = c.query.get('instId') ?? '';
      const rows = d
        .closedPositions(c.key.account)
        .filter((p) => (!instType || p.inst.instType === instType) && (!instId || p.inst.instId === instId))
        .reverse()
        .slice(0, Math.min(Number(c.query.get('limit')) || 100, 100))
        .map((p) => ({
          instType: p.inst.instType,
          instId: p.inst.instId,
          mgnMode: p.mgnMode,
          type: p.liqPenalty.isZero() ? '2' : '3',
          cTime: String(p.cTime),
          uTime: String(p.uTime),
          openAvgPx: p.avgPx.toFixed(),
          closeAvgPx: '',
          posId: p.posId,
          openMaxPos: '',
          closeTotalPos: '',
          realizedPnl: p.realizedPnl.plus(p.fee).plus(p.fundingFee).plus(p.liqPenalty).toFixed(),
          settledPnl: '',
          pnl: p.realizedPnl.toFixed(),
          pnlRatio: '',
          fee: p.fee.toFixed(),
          fundingFee: p.fundingFee.toFixed(),
          liqPenalty: p.liqPenalty.toFixed(),
          lever: p.lever.toFixed(),
          direction: p.posSide === 'net' ? '' : p.posSide,
          posSide: p.posSide,
          triggerPx: '',
          uly: p.inst.contract!.uly,
          instFamily: p.inst.contract!.uly,
          ccy: p.inst.contract!.settleCcy,
          nonSettleAvgPx: '',
        }));
      return ok(rows);
    },
    'account.setLeverage': (c) =>
      guard(() => {
        const o = asObject(c.body);
        if (!o) return okxError('50002');
        return ok(engine.oneEvent(() => d.setLeverage(c.key.account, o)));
      }),
    'account.leverageInfo': (c) => {
      const instIds = (c.query.get('instId') ?? '').split(',').filter(Boolean);
      const ccy = c.query.get('ccy') ?? '';
      const mgnMode = c.query.get('mgnMode') ?? '';
      if (!mgnMode) return okxError('50014', 'mgnMode');
      if (mgnMode !== 'cross' && mgnMode !== 'isolated') return okxError('51000', 'mgnMode');
      if (instIds.length === 0 && !ccy) return okxError('50014', 'instId');
      const rows = [];
      for (const id of instIds) {
        if (!market.instrument(id)) return okxError('51001');
        rows.push(...d.leverageInfo(c.key.account, id, mgnMode));
      }
      if (ccy) rows.push({ ccy, instId: '', mgnMode, posSide: '', lever: '1' });
      return ok(rows);
    },
    'account.maxSize': (c) => {
      const instIds = (c.query.get('instId') ?? '').split(',').filter(Boolean);
      const tdMode = c.query.get('tdMode') ?? '';
      if (instIds.length === 0) return okxError('50014', 'instId');
      if (!tdMode) return okxError('50014', 'tdMode');
      const pxText = c.query.get('px');
      const rows = [];
      for (const id of instIds) {
        const i = market.instrument(id);
        if (!i) return okxError('51001');
        if (!i.contract) {
          // Spot in cash mode: what the available quote buys at the price, and the base one can sell.
          const px = new Decimal(pxText || market.last(id));
          const q = engine.ledger.available(c.key.account, i.quoteCcy);
          const b = engine.ledger.available(c.key.account, i.baseCcy);
          rows.push({
            instId: id,
            ccy: '',
            maxBuy: q.div(px).div(i.lotSz).floor().mul(i.lotSz).toFixed(),
            maxSell: b.div(i.lotSz).floor().mul(i.lotSz).toFixed(),
          });
          continue;
        }
        if (tdMode !== 'cross' && tdMode !== 'isolated') return okxError('51000', 'tdMode');
        rows.push(d.maxSize(c.key.account, i, tdMode, pxText ? new Decimal(pxText) : undefined));
      }
      return ok(rows);
    },
    'account.maxAvailSize': (c) => {
      const instIds = (c.query.get('instId') ?? '').split(',').filter(Boolean);
      const tdMode = c.query.get('tdMode') ?? '';
      if (instIds.length === 0) return okxError('50014', 'instId');
      if (!tdMode) return okxError('50014', 'tdMode');
      const rows = [];
      for (const id of instIds) {
        const i = market.instrument(id);
        if (!i) return okxError('51001');
        if (!i.contract) {
          rows.push({
            instId: id,
            availBuy: engine.ledger.available(c.key.account, i.quoteCcy).toFixed(),
            availSell: engine.ledger.available(c.key.account, i.baseCcy).toFixed(),
          });
          continue;
        }
        if (tdMode !== 'cross' && tdMode !== 'isolated') return okxError('51000', 'tdMode');
        rows.push(d.maxAvailSize(c.key.account, i, tdMode));
      }
      return ok(rows);
    },
    'account.setPositionMode': (c) =>
      guard(() => {
        const o = asObject(c.body);
        if (!o) return okxError('50002');
        if (!o.posMode) return okxError('50014', 'posMode');
        return ok([
          d.setPositionMode(c.key.account, String(o.posMode), engine.hasPendingOrders(c.key.account)),
        ]);
      }),
    'account.setAccountLevel': (c) =>
      guard(() => {
        const o = asObject(c.body);
        if (!o) return okxError('50002');
        if (!o.acctLv) return okxError('50014', 'acctLv');
        return ok([
          d.setAccountLevel(c.key.account, String(o.acctLv), engine.hasPendingOrders(c.key.account)),
        ]);
      }),
    'account.marginBalance': (c) =>
      guard(() => {
        const o = asObject(c.body);
        if (!o) return okxError('50002');
        return ok([engine.oneEvent(() => d.marginBalance(c.key.account, o))]);
      }),
    'account.positionTiers': (c) => {
      const instType = c.query.get('instType') ?? '';
      const family = c.query.get('instFamily') || c.query.get('uly') || '';
      if (!instType) return okxError('50014', 'instType');
      const i = market.instruments().find((x) => x.instType === instType && x.contract?.uly === family);
      if (!i) return ok([]);
      const top = d.tiers(i).at(-1)!;
      return ok([{ uly: family, instFamily: family, maxSz: top.maxSz, posType: '' }]);
    },
    'account.tradeFee': (c) => {
      const instType = c.query.get('instType') ?? '';
      if (!instType) return okxError('50014', 'instType');
      if (!['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION'].includes(instType))
        return okxError('51000', 'instType');
      const spot = instType === 'SPOT' || instType === 'MARGIN';
      // OKX's rates are negative for a charge; U: USDT-margined contracts, USDC: USDC ones.
      const maker = spot ? '-0.0008' : CONTRACT_MAKER_RATE.neg().toFixed();
      const taker = spot ? '-0.001' : CONTRACT_TAKER_RATE.neg().toFixed();
      return ok([
        {
          category: '1',
          delivery: '',
          exercise: '',
          instType,
          level: 'Lv1',
          maker,
          taker,
          makerU: spot ? '' : maker,
          takerU: spot ? '' : taker,
          makerUSDC: spot ? '-0.0008' : maker,
          takerUSDC: spot ? '-0.001' : taker,
          ruleType: 'normal',
          ts: String(engine.nowMs()),
          fiat: [],
        },
      ]);
    },
    'trade.closePosition': (c) => {
      const o = asObject(c.body);
      if (!o) return okxError('50002');
      const instId = String(o.instId ?? '');
      const mgnMode = String(o.mgnMode ?? '');
      if (!instId) return okxError('50014', 'instId');
      if (!mgnMode) return okxError('50014', 'mgnMode');
      const inst = contract(instId);
      if (!inst) return okxError('51001');
      if (mgnMode !== 'cross' && mgnMode !== 'isolated') return okxError('51000', 'mgnMode');
      const longShort = d.settings(c.key.account).posMode === 'long_short_mode';
      const posSide = (longShort ? String(o.posSide ?? '') : 'net') as PosSide;
      if (longShort && posSide !== 'long' && posSide !== 'short') return okxError('50014', 'posSide');
      const p = d.find(c.key.account, instId, mgnMode, posSide);
      if (!p) return okxError('51023');
      // Pending orders of the position block a close unless autoCxl says to cancel them.
      const autoCxl = o.autoCxl === true || o.autoCxl === 'true';
      if (autoCxl)
        engine.cancelWhere(c.key.account, (x) => x.instId === instId && x.contract?.tdMode === mgnMode);
      const long = posSide === 'long' || (posSide === 'net' && p.pos.gt(0));
      const r = engine.placeOrders(c.key.account, [
        {
          instId,
          tdMode: mgnMode,
          side: long ? 'sell' : 'buy',
          ordType: 'market',
          sz: p.pos.abs().toFixed(),
          ...(posSide === 'net' ? { reduceOnly: true } : { posSide }),
          clOrdId: o.clOrdId,
          tag: o.tag,
        },
      ])[0]!;
      if (r.sCode !== '0') return okxError(r.sCode!);
      return ok([{ instId, posSide, clOrdId: String(o.clOrdId ?? ''), tag: String(o.tag ?? '') }]);
    },
  };
}
