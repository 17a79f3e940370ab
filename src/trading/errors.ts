import { OkxkitError, errorCode } from '../util/errors.js';

/** The guard rules; each refusal names one. */
export type GuardRule =
  | 'instrumentState'
  | 'tickSz'
  | 'lotSz'
  | 'minSz'
  | 'maxSz'
  | 'priceBand'
  | 'maxNotionalPerOrder'
  | 'maxNotionalPerInstrument'
  | 'maxOpenOrders'
  | 'maxPosition'
  | 'maxLeverage'
  | 'maxPositionNotional'
  | 'reduceOnly'
  | 'halted'
  | 'unconvertedPnl'
  | 'maxExposure'
  | 'riskScopeUnavailable'
  | 'invalidIntent';

/**
 * An order refused before anything was signed. `rule` names the check; `numbers` holds the
 * values it compared (decimal strings), so the message and a log line say exactly why.
 */
export class GuardRejection extends OkxkitError {
  readonly rule: GuardRule;
  readonly instId: string;
  readonly numbers: Readonly<Record<string, string>>;
  constructor(
    rule: GuardRule,
    instId: string,
    message: string,
    numbers: Record<string, string> = {},
    hint?: string,
  ) {
    const nums = Object.entries(numbers)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    super(`order guard refused ${instId}: ${message}${nums ? ` (${nums})` : ''}`, {
      code: `GUARD_${rule.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
      hint,
    });
    this.rule = rule;
    this.instId = instId;
    this.numbers = { ...numbers };
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), rule: this.rule, instId: this.instId, numbers: this.numbers };
  }
}

/**
 * The executor could not establish what the exchange did with an intent within its attempts.
 * The journal keeps the row as `unknown`; `reconcile()` on the next start resolves it.
 */
export class ExecutionUnresolvedError extends OkxkitError {
  readonly clOrdId: string;
  /** Why each lookup by clOrdId failed, in order (empty when the lookups answered). */
  readonly failures: ReadonlyArray<{ code: string | undefined; message: string }>;
  constructor(
    clOrdId: string,
    message: string,
    cause?: unknown,
    failures: ReadonlyArray<{ code: string | undefined; message: string }> = [],
  ) {
    super(`order ${clOrdId}: ${message}`, {
      code: 'EXECUTION_UNRESOLVED',
      hint: 'The order may or may not be on the exchange: do not place it again by hand; restart reconciles it by clOrdId.',
      cause,
    });
    this.clOrdId = clOrdId;
    this.failures = failures;
  }
}

/** What the exchange reports for an order differs from what was intended. */
export class PayloadMismatchError extends OkxkitError {
  readonly clOrdId: string;
  readonly expected: string;
  readonly actual: string;
  constructor(clOrdId: string, expected: string, actual: string) {
    super(`order ${clOrdId}: the exchange reports a different order than intended`, {
      code: 'PAYLOAD_MISMATCH',
      hint: 'Cancel the order and check the client and any proxy between you and OKX.',
    });
    this.clOrdId = clOrdId;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Reads the OKX code off any thrown value (the one extractor lives in util/errors). */
export { errorCode };

/** OKX codes after which a write's outcome is unknown (docs/OKX-PROTOCOL.md §8 step 3). */
export const AMBIGUOUS_CODES: ReadonlySet<string> = new Set([
  '50001',
  '50004',
  '50013',
  '50026',
  '51054',
  '51149',
]);

/**
 * True when a write may or may not have happened: the client marks such errors `ambiguous`
 * (timeouts, network errors, 5xx); the listed OKX codes count too for adapters that only
 * carry a code.
 */
export function isAmbiguous(err: unknown): boolean {
  if (err && typeof err === 'object' && 'ambiguous' in err && err.ambiguous === true) return true;
  const code = errorCode(err);
  if (code !== undefined && AMBIGUOUS_CODES.has(code)) return true;
  const status = err && typeof err === 'object' && 'httpStatus' in err ? err.httpStatus : undefined;
  return typeof status === 'number' && status >= 500;
}
