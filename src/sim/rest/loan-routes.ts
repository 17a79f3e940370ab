import type { MatchingEngine } from '../engine/engine.js';
import { LoanError, type LoanBook } from '../engine/loans.js';
import type { SimMarketApi } from '../contracts.js';
import type { PrivateCall } from './private-routes.js';
import { ok, okxError, type Reply } from './reply.js';

type Route = (c: PrivateCall) => Reply;

function guard(fn: () => Reply): Reply {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LoanError) return okxError(err.code, ...err.params);
    throw err;
  }
}

function asObject(body: unknown): Record<string, unknown> | undefined {
  return body && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

/**
 * Spot margin borrowing of the local exchange (docs/OKX-PROTOCOL.md §12): borrow and repay,
 * accrued interest, interest rates, max loan and the spot-mode borrow history.
 */
export function loanRoutes(engine: MatchingEngine, market: SimMarketApi | undefined): Record<string, Route> {
  const loans = engine.loans;
  const post =
    (run: (account: string, body: Record<string, unknown>) => Record<string, string>): Route =>
    (c) =>
      guard(() => {
        const o = asObject(c.body);
        if (!o) return okxError('50002');
        return ok([run(c.key.account, o)]);
      });
  return {
    'account.borrowRepay': post((a, o) => loans.borrowRepay(a, o)),
    'account.spotManualBorrowRepay': post((a, o) => loans.spotManual(a, o)),
    'account.interestAccrued': (c) => guard(() => ok(loans.interestAccrued(c.key.account, c.query))),
    'account.interestRate': (c) => ok(loans.interestRates(c.query.get('ccy') ?? '')),
    'account.spotBorrowRepayHistory': (c) => ok(loans.spotHistory(c.key.account, c.query)),
    'account.maxLoan': (c) => {
      const mgnMode = c.query.get('mgnMode') ?? '';
      if (!mgnMode) return okxError('50014', 'mgnMode');
      if (mgnMode !== 'cross' && mgnMode !== 'isolated') return okxError('51000', 'mgnMode');
      const instIds = (c.query.get('instId') ?? '').split(',').filter(Boolean);
      if (instIds.length === 0 && !c.query.get('ccy')) return okxError('50014', 'instId');
      if (instIds.some((id) => !market?.instrument(id))) return okxError('51001');
      return ok(maxLoanRows(loans, c.key.account, c.query, mgnMode, market));
    },
  };
}

/**
 * GET /account/max-loan: by `ccy`, one row for that currency; by `instId` (up to 5 spot pairs),
 * two rows a pair: the base a sell may borrow and the quote a buy may borrow.
 */
function maxLoanRows(
  loans: LoanBook,
  account: string,
  q: URLSearchParams,
  mgnMode: string,
  market: SimMarketApi | undefined,
): Record<string, string>[] {
  const ccy = q.get('ccy') ?? '';
  const instIds = (q.get('instId') ?? '').split(',').filter(Boolean);
  const row = (instId: string, c: string, side: string) => ({
    instId,
    mgnMode,
    mgnCcy: q.get('mgnCcy') ?? '',
    maxLoan: loans.maxLoan(account, c).toFixed(),
    ccy: c,
    side,
  });
  if (instIds.length === 0) return [row('', ccy, '')];
  const rows: Record<string, string>[] = [];
  for (const id of instIds.slice(0, 5)) {
    const i = market?.instrument(id);
    // Contracts borrow nothing: margin covers them.
    if (!i || i.contract) continue;
    rows.push(row(id, i.baseCcy, 'sell'), row(id, i.quoteCcy, 'buy'));
  }
  return rows;
}

/** GET /finance/savings/lending-rate-history (public): the seeded hourly series. */
export function lendingRoutes(engine: MatchingEngine): Record<string, (q: URLSearchParams) => Reply> {
  return { 'finance.lendingRateHistory': (q) => ok(engine.loans.lendingHistory(q)) };
}
