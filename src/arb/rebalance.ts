import type { Balance } from '../trading/exchange-port.js';

export interface RebalanceRow {
  ccy: string;
  venue: string;
  have: number;
  target: number;
  /** target - have: positive = the venue needs more. */
  need: number;
}

export interface Transfer {
  ccy: string;
  from: string;
  to: string;
  amount: number;
}

export interface RebalanceReport {
  rows: RebalanceRow[];
  /** Suggested transfers; okxkit never moves funds between venues itself. */
  transfers: Transfer[];
}

/**
 * Per-venue balances against a target split (default: even), and the transfers that would
 * restore it. Arbitrage drains the venue it buys on of the quote and the one it sells on of the
 * base; this says what to move. It is a report: no withdrawal is ever made (docs/ARBITRAGE.md).
 */
export function rebalanceReport(
  balances: Record<string, readonly Balance[]>,
  ccys: readonly string[],
  opts: { share?: Record<string, number>; minTransfer?: Record<string, number> } = {},
): RebalanceReport {
  const venues = Object.keys(balances);
  const shareSum = venues.reduce((s, v) => s + (opts.share?.[v] ?? 1), 0);
  const rows: RebalanceRow[] = [];
  const transfers: Transfer[] = [];
  for (const ccy of ccys) {
    const have = venues.map((v) => Number(balances[v]!.find((b) => b.ccy === ccy)?.eq ?? 0));
    const total = have.reduce((s, x) => s + x, 0);
    const need = venues.map((v, i) => {
      const target = (total * (opts.share?.[v] ?? 1)) / shareSum;
      rows.push({ ccy, venue: v, have: have[i]!, target, need: target - have[i]! });
      return target - have[i]!;
    });
    // Greedy: the largest surplus feeds the largest deficit.
    const min = opts.minTransfer?.[ccy] ?? 0;
    const surplus = venues.map((v, i) => ({ v, x: -need[i]! })).filter((s) => s.x > 0);
    const deficit = venues.map((v, i) => ({ v, x: need[i]! })).filter((d) => d.x > 0);
    surplus.sort((a, b) => b.x - a.x);
    deficit.sort((a, b) => b.x - a.x);
    for (const d of deficit) {
      for (const s of surplus) {
        if (d.x <= 0) break;
        const amount = Math.min(d.x, s.x);
        if (amount > min && amount > 0) transfers.push({ ccy, from: s.v, to: d.v, amount });
        d.x -= amount;
        s.x -= amount;
      }
    }
  }
  return { rows, transfers };
}
