import { AlgoError, algoFail, type SimAlgo } from '../engine/algo.js';
import { tradeEnvelope, type ItemResult, type MatchingEngine } from '../engine/engine.js';
import type { PrivateCall } from './private-routes.js';
import { ok, okxError, type Reply } from './reply.js';

type Route = (c: PrivateCall) => Reply;

const ALGO_TYPES = ['conditional', 'oco', 'trigger', 'move_order_stop', 'iceberg', 'twap'];

// long: a route table: one short handler per OKX endpoint, read top to bottom
/**
 * Algo order endpoints: place (one item), cancel and amend (arrays), one algo, pending and
 * history. Place and cancel answer with the trade envelope's per-item sCode, as OKX does.
 */
export function algoRoutes(engine: MatchingEngine, nowUs: () => string): Record<string, Route> {
  const book = engine.algos;
  const envelope = (items: ItemResult[], inTime: string): Reply => ({
    status: 200,
    body: { ...tradeEnvelope(items, inTime, nowUs()) },
  });
  const items = (body: unknown): Record<string, unknown>[] | undefined =>
    Array.isArray(body) && body.every((x) => x && typeof x === 'object' && !Array.isArray(x))
      ? (body as Record<string, unknown>[])
      : undefined;
  const list = (c: PrivateCall, rows: SimAlgo[]): Reply => {
    const q = c.query;
    const ordType = q.get('ordType') ?? '';
    const algoId = q.get('algoId') ?? '';
    if (!ordType && !algoId) return okxError('50014', 'ordType');
    const types = ordType.split(',').filter(Boolean);
    if (types.some((t) => !ALGO_TYPES.includes(t))) return okxError('51000', 'ordType');
    let out = rows.filter(
      (a) =>
        (types.length === 0 || types.includes(a.ordType)) &&
        (!algoId || a.algoId === algoId) &&
        (!q.get('instId') || a.inst.instId === q.get('instId')) &&
        (!q.get('instType') || a.inst.instType === q.get('instType')) &&
        (!q.get('state') || a.state === q.get('state')),
    );
    const after = q.get('after');
    const before = q.get('before');
    if (after) out = out.filter((a) => a.algoId < after);
    if (before) out = out.filter((a) => a.algoId > before);
    return ok(out.slice(0, Math.min(Number(q.get('limit')) || 100, 100)).map((a) => book.row(a)));
  };
  return {
    'algo.place': (c) => {
      const inTime = nowUs();
      const o =
        c.body && typeof c.body === 'object' && !Array.isArray(c.body)
          ? (c.body as Record<string, unknown>)
          : undefined;
      if (!o) return okxError('50002');
      engine.checkTimers();
      const base = {
        algoId: '',
        clOrdId: '',
        algoClOrdId: String(o.algoClOrdId ?? ''),
        tag: String(o.tag ?? ''),
      };
      try {
        const a = book.place(c.key.account, o);
        return envelope([{ ...base, algoId: a.algoId, sCode: '0', sMsg: 'Order placed' }], inTime);
      } catch (err) {
        if (err instanceof AlgoError) return envelope([{ ...base, ...algoFail(err) }], inTime);
        throw err;
      }
    },
    'algo.cancel': (c) => {
      const inTime = nowUs();
      const list = items(c.body);
      if (!list) return okxError('50002');
      if (list.length === 0) return okxError('50014', 'data');
      if (list.length > 10) return okxError('51000', 'data');
      return envelope(
        list.map((x) => {
          const base = { algoId: String(x.algoId ?? ''), algoClOrdId: String(x.algoClOrdId ?? '') };
          try {
            const a = book.cancel(c.key.account, x);
            return { algoId: a.algoId, algoClOrdId: a.algoClOrdId, sCode: '0', sMsg: '' };
          } catch (err) {
            if (err instanceof AlgoError) return { ...base, ...algoFail(err) };
            throw err;
          }
        }),
        inTime,
      );
    },
    'algo.amend': (c) => {
      const inTime = nowUs();
      const o =
        c.body && typeof c.body === 'object' && !Array.isArray(c.body)
          ? (c.body as Record<string, unknown>)
          : undefined;
      if (!o) return okxError('50002');
      const base = {
        algoId: String(o.algoId ?? ''),
        algoClOrdId: String(o.algoClOrdId ?? ''),
        reqId: String(o.reqId ?? ''),
      };
      try {
        const a = book.amend(c.key.account, o);
        return envelope([{ ...base, algoId: a.algoId, sCode: '0', sMsg: '' }], inTime);
      } catch (err) {
        if (err instanceof AlgoError) return envelope([{ ...base, ...algoFail(err) }], inTime);
        throw err;
      }
    },
    'algo.getOrder': (c) => {
      const algoId = c.query.get('algoId') ?? '';
      const algoClOrdId = c.query.get('algoClOrdId') ?? '';
      if (!algoId && !algoClOrdId) return okxError('50014', 'algoId');
      const a = book.find(c.key.account, algoId, algoClOrdId);
      return a ? ok([book.row(a)]) : okxError('51603');
    },
    'algo.ordersPending': (c) => list(c, book.pending(c.key.account)),
    'algo.ordersHistory': (c) => {
      if (!c.query.get('state') && !c.query.get('algoId')) return okxError('50014', 'state');
      return list(c, book.history(c.key.account));
    },
  };
}
