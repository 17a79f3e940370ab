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
