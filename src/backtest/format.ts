import type { BacktestReport } from './run.js';
import type { Performance, RoundTrip } from './metrics.js';

const pct = (x: number | null, dp = 2) =>
  x === null || !Number.isFinite(x) ? '-' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(dp)} %`;
const ratio = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(2));

/** "3d 4h", "5h 12m", "40m". */
export function duration(ms: number): string {
  const m = Math.round(ms / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m % 60}m`;
  return `${m}m`;
}

function money(x: number, ccy: string): string {
  return `${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${ccy}`;
}

function perfRows(p: Performance, ccy: string): string[] {
  return [
    money(p.endEquity, ccy),
    pct(p.totalReturn),
    pct(p.annualReturn),
    pct(-p.maxDrawdown),
    duration(p.maxDrawdownDurationMs),
    pct(p.volatility).replace('+', ''),
    ratio(p.sharpe),
    ratio(p.sortino),
    ratio(p.calmar),
  ];
}

const ts = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** Prints the last round trips as a table. */
export function formatTrades(trades: readonly RoundTrip[], limit = 10): string {
  if (!trades.length) return 'no round trips closed';
  const shown = trades.slice(-limit);
  const rows = shown.map((t) => [
    t.side,
    ts(t.entryTs),
    ts(t.exitTs),
    t.entryPx.toFixed(2),
    t.exitPx.toFixed(2),
    t.size.toPrecision(6),
    t.pnl.toFixed(4),
    `${t.returnPct.toFixed(2)} %`,
  ]);
  const head = ['side', 'entry', 'exit', 'entry px', 'exit px', 'size', 'pnl', 'return'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 3 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ');
  return [`last ${shown.length} of ${trades.length} round trips:`, line(head), ...rows.map(line)].join('\n');
}

/** The backtest summary as a text table: the strategy next to buy-and-hold over the same candles. */
export function formatBacktest(r: BacktestReport, title: string): string {
  const q = r.result.quoteCcy;
  const m = r.metrics;
  const labels = [
    'end equity',
    'total return',
    'annual return',
    'max drawdown',
    'longest drawdown',
    'volatility (ann.)',
    'Sharpe',
    'Sortino',
    'Calmar',
  ];
  const a = perfRows(m.strategy, q);
  const b = perfRows(m.buyHold, q);
  const extra: [string, string][] = [
    [
      'round trips',
      `${m.roundTrips} (${m.fills} fills, ${r.result.ordersPlaced} orders, ${r.result.rejected} refused)`,
    ],
    ['win rate', m.winRate === null ? '-' : `${(m.winRate * 100).toFixed(1)} %`],
    ['profit factor', ratio(m.profitFactor)],
    [
      'exposure',
      `${(m.exposure * 100).toFixed(1)} % of equity on average, in the market ${(m.timeInMarket * 100).toFixed(1)} % of the time`,
    ],
    ['turnover', `${m.turnover.toFixed(2)} x average equity`],
    ['fees paid', money(m.feesPaid, q)],
    ['funding paid', money(m.fundingPaid, q)],
    ['strategy', r.result.metrics.detail],
  ];
  const w0 = Math.max(...labels.map((l) => l.length), ...extra.map((e) => e[0].length));
  const w1 = Math.max('strategy'.length, ...a.map((x) => x.length));
  const lines = [
    title,
    `${''.padEnd(w0)}  ${'strategy'.padStart(w1)}  buy & hold`,
    ...labels.map((l, i) => `${l.padEnd(w0)}  ${a[i]!.padStart(w1)}  ${b[i]!}`),
    '',
    ...extra.map(([k, v]) => `${k.padEnd(w0)}  ${v}`),
  ];
  if (r.result.errors.length)
    lines.push('', `strategy errors (${r.result.errors.length}): ${r.result.errors.slice(0, 3).join('; ')}`);
  return lines.join('\n');
}

/** The round trips as CSV. */
export function tradesCsv(trades: readonly RoundTrip[]): string {
  const head = 'side,entry_time,exit_time,entry_px,exit_px,size,pnl,return_pct,fees';
  return (
    [
      head,
      ...trades.map((t) =>
        [
          t.side,
          new Date(t.entryTs).toISOString(),
          new Date(t.exitTs).toISOString(),
          t.entryPx,
          t.exitPx,
          t.size,
          t.pnl,
          t.returnPct,
          t.fees,
        ].join(','),
      ),
    ].join('\n') + '\n'
  );
}

/** The optimizer's answer: the winner, the walk-forward folds and the over-fit guards. */
export function formatOptimize(r: import('./optimize.js').OptimizeResult, title: string, top = 10): string {
  const name = (i: number) =>
    Object.entries(r.results[i]!.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  const s = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
  const day = (i: number) => new Date(r.days[Math.min(i, r.days.length - 1)]!).toISOString().slice(0, 10);
  const b = r.results[r.best]!;
  const lines = [
    title,
    `${r.results.length} configurations (${r.method} search) ${r.ranOn ? `on ${r.ranOn}` : r.threads ? `on ${r.threads} worker thread(s)` : 'in this thread'} in ${(r.elapsedMs / 1000).toFixed(1)} s, ranked by ${r.objective}`,
    '',
    `best: ${name(r.best)}`,
    `  ${r.objective} ${s(b.score)}, return ${pct(b.totalReturn)}, max drawdown ${pct(-b.maxDrawdown)}, ${b.roundTrips} round trips, fees ${b.feesPaid.toFixed(2)}`,
    '',
    'over-fit guard:',
    `  probability of backtest over-fitting (CSCV, ${r.pbo.blocks} blocks, ${r.pbo.splits} splits): ${Number.isNaN(r.pbo.pbo) ? '- (too few days)' : `${(r.pbo.pbo * 100).toFixed(0)} %`}`,
    `  deflated Sharpe ratio: ${(r.deflated.dsr * 100).toFixed(0)} % probability the best Sharpe (${(r.deflated.sharpe * Math.sqrt(365)).toFixed(2)} annualised) beats the best of ${r.deflated.trials} tries by luck (${(r.deflated.expectedMaxSharpe * Math.sqrt(365)).toFixed(2)})`,
  ];
  const luck = (!Number.isNaN(r.pbo.pbo) && r.pbo.pbo > 0.5) || r.deflated.dsr < 0.95;
  lines.push(
    luck
      ? '  VERDICT: the winner is likely luck (PBO above 50 % or deflated Sharpe below 95 %): do not trust these parameters'
      : '  verdict: the winner holds up out of sample and beats the luck benchmark',
    '',
  );
  if (r.folds.length) {
    lines.push(
      `walk-forward (${r.folds.length} out-of-sample part${r.folds.length === 1 ? '' : 's'}, each trading the winner of the part before it):`,
    );
    const rows = r.folds.map((f, i) => [
      `${i + 1}`,
      `${day(f.isFrom)}..${day(f.isTo)}`,
      `${day(f.osFrom)}..${day(f.osTo)}`,
      name(f.chosen),
      s(f.isScore),
      s(f.osScore),
      pct(f.osReturn),
    ]);
    const head = [
      'fold',
      'in-sample',
      'out-of-sample',
      'chosen',
      `IS ${r.objective}`,
      `OOS ${r.objective}`,
      'OOS return',
    ];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
    const line = (x: string[]) => `  ${x.map((c, i) => c.padEnd(w[i]!)).join('  ')}`;
    lines.push(line(head), ...rows.map(line));
    lines.push(
      `  out-of-sample return ${pct(r.walkForwardReturn)}; walk-forward efficiency (OOS / IS ${r.objective}) ${r.walkForwardEfficiency === null ? '-' : r.walkForwardEfficiency.toFixed(2)}`,
      '',
    );
  } else lines.push('walk-forward: too few days for the folds', '');
  const order = r.results
    .map((_, i) => i)
    .sort((a, c) => r.results[c]!.score - r.results[a]!.score)
    .slice(0, top);
  lines.push(`top ${order.length}:`);
  for (const i of order)
    lines.push(
      `  ${s(r.results[i]!.score).padStart(7)}  ${pct(r.results[i]!.totalReturn).padStart(9)}  ${name(i)}`,
    );
  return lines.join('\n');
}
