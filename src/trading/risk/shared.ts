import { D, type Decimal } from '../../util/decimal.js';

/*
 * The account-wide risk scope (issue 16): what one run of a RiskManager tells the others about
 * its share of the account's risk, and what it reads back. The trading layer only knows this
 * shape; the Redis implementation lives in cluster/risk-scope.ts.
 */

/** One run's share of the account's risk, as a RiskManager sends it to the shared scope. */
export interface RiskContribution {
  /** The UTC day (YYYY-MM-DD) `dailyPnl` belongs to. */
  day: string;
  /**
   * This run's PnL on `day` in the reporting currency (realised + unrealised, fees included;
   * earlier runs of the same bot count under their own run), a decimal string; undefined while a
   * currency has no conversion mark (the scope then keeps the run's last known figure).
   */
  dailyPnl: string | undefined;
  /**
   * Net position per instrument (base units, signed, as the ledger books it) and what one base
   * unit is worth in the reporting currency ('' while unknown).
   */
  positions: Record<string, { pos: string; px: string }>;
}

/** The account-wide figures every run contributed, as last read from the shared scope. */
export interface SharedRiskView {
  /** The UTC day of the scope's own clock (Redis server time), YYYY-MM-DD. */
  day: string;
  /** The sum of every run's PnL of `day` in the reporting currency (decimal string). */
  dailyPnl: string;
  /** Net position per instrument over all runs (base units, signed decimal strings). */
  positions: Record<string, string>;
  /**
   * Gross exposure: the sum over instruments of |net position| x its unit value in the reporting
   * currency; undefined while an instrument with a position has no value yet.
   */
  exposure: string | undefined;
  /** Runs whose figures are in the totals (this one included). */
  runs: number;
  /** Runs whose lease ran out (a process that stopped refreshing): still counted, listed here. */
  stale: string[];
  /** When this process read it (its clock, ms). */
  readAt: number;
}

/**
 * Where the runs of one account meet: each RiskManager sends its contribution and reads the
 * account-wide totals back in one atomic step. A scope that cannot be reached throws; the
 * RiskManager then refuses orders that add exposure (fail closed).
 */
export interface RiskScope {
  /** The day of the scope's clock as last seen (YYYY-MM-DD), undefined before the first answer. */
  readonly day: string | undefined;
  /** This run's key in the scope (the bot id and a run id; no secrets). */
  readonly run: string;
  /** Where it is kept, for status lines (no credentials). */
  readonly where: string;
  /** Replaces this run's contribution and returns the account-wide totals. */
  sync(c: RiskContribution): Promise<SharedRiskView>;
  /** Removes this run's open exposure (its day's PnL keeps counting until the day ends). */
  release(): Promise<void>;
}

/** Sums the contributions read from a scope: one PnL per run, one position map per run. */
export function aggregate(
  day: string,
  pnls: Iterable<string>,
  runs: Iterable<{ positions: Record<string, { pos: string; px: string }> }>,
  readAt: number,
  stale: string[] = [],
): SharedRiskView {
  let pnl: Decimal = new D(0);
  for (const p of pnls) pnl = pnl.plus(p);
  const pos = new Map<string, Decimal>();
  const px = new Map<string, Decimal>();
  let count = 0;
  for (const r of runs) {
    count++;
    for (const [instId, v] of Object.entries(r.positions)) {
      pos.set(instId, (pos.get(instId) ?? new D(0)).plus(v.pos));
      if (v.px !== '' && !px.has(instId)) px.set(instId, new D(v.px));
    }
  }
  let exposure: Decimal | undefined = new D(0);
  const positions: Record<string, string> = {};
  for (const [instId, p] of pos) {
    positions[instId] = p.toFixed();
    if (p.isZero()) continue;
    const v = px.get(instId);
    exposure = v && exposure ? exposure.plus(p.abs().mul(v)) : undefined;
  }
  return {
    day,
    dailyPnl: pnl.toFixed(),
    positions,
    exposure: exposure?.toFixed(),
    runs: count,
    stale,
    readAt,
  };
}
