import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Candles } from './candles.js';
import { duration } from './format.js';
import { monthlyReturns } from './metrics.js';
import type { BacktestReport } from './run.js';

/** One cell of the optimizer heatmap: two parameters and the score of that pair. */
export interface HeatCell {
  x: string | number;
  y: string | number;
  value: number;
}

/** What goes into the HTML report: a backtest and/or an optimization, with its candles. */
export interface ReportInput {
  title: string;
  /** Where the candles came from (shown in the header). */
  source?: string;
  backtest?: BacktestReport;
  candles?: Candles;
  /** Optimizer: the heatmap of the two first parameters and the summary lines. */
  heatmap?: { xName: string; yName: string; metric: string; cells: HeatCell[] };
  summary?: [string, string][];
  /** Extra price lines (analysis: support and resistance). */
  levels?: { price: number; label: string }[];
}

/** At most this many candles go into the chart; longer runs are aggregated to a coarser bar. */
const MAX_CHART_POINTS = 4000;

let chartLib: string | undefined;
function lightweightCharts(): string {
  if (chartLib) return chartLib;
  const req = createRequire(import.meta.url);
  const dir = dirname(req.resolve('lightweight-charts/package.json'));
  chartLib = readFileSync(join(dir, 'dist', 'lightweight-charts.standalone.production.js'), 'utf8');
  return chartLib;
}

interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** Candles aggregated by `step` rows (chart time in seconds). */
function chartCandles(c: Candles, step: number): Bar[] {
  const out: Bar[] = [];
  for (let i = 0; i < c.ts.length; i += step) {
    const j = Math.min(c.ts.length, i + step);
    let h = -Infinity;
    let l = Infinity;
    for (let k = i; k < j; k++) {
      if (c.h[k]! > h) h = c.h[k]!;
      if (c.l[k]! < l) l = c.l[k]!;
    }
    out.push({ time: Math.floor(c.ts[i]! / 1000), open: c.o[i]!, high: h, low: l, close: c.c[j - 1]! });
  }
  return out;
}

/** A sampled series: the value at the close of each chart bar. */
function sampled(
  ts: ArrayLike<number>,
  v: ArrayLike<number>,
  step: number,
): { time: number; value: number }[] {
  const out: { time: number; value: number }[] = [];
  for (let i = 0; i < v.length; i += step) {
    const j = Math.min(v.length, i + step) - 1;
    out.push({ time: Math.floor(ts[i]! / 1000), value: Number(v[j]!.toFixed(8)) });
  }
  return out;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

// long: one self-contained HTML page: the data prepared and the template in one place, in page order
/** Builds the page: everything inline (chart library, data, styles), nothing fetched. */
export function renderReport(input: ReportInput): string {
  const data: Record<string, unknown> = { title: input.title };
  const b = input.backtest;
  const c = input.candles;
  let step = 1;
  if (c) {
    step = Math.max(1, Math.ceil(c.ts.length / MAX_CHART_POINTS));
    const bars = chartCandles(c, step);
    data.candles = bars;
    data.bucketSec = (c.barMs * step) / 1000;
    data.levels = input.levels ?? [];
    if (b) {
      const bucket = (c.barMs * step) / 1000;
      const t0 = Math.floor(c.ts[0]! / 1000);
      // One marker per fill, on the chart bar it happened in.
      data.markers = b.result.fills.map((f) => {
        const t = Math.floor(f.ts / 1000);
        const time = t0 + Math.floor((t - t0) / bucket) * bucket;
        return {
          time,
          position: f.side === 'buy' ? 'belowBar' : 'aboveBar',
          color: f.side === 'buy' ? '#26a69a' : '#ef5350',
          shape: f.side === 'buy' ? 'arrowUp' : 'arrowDown',
          text: '',
        };
      });
    }
  }
  if (b) {
    const r = b.result;
    const eq = r.equity;
    const dd = new Float64Array(eq.length);
    let peak = r.startEquity;
    for (let i = 0; i < eq.length; i++) {
      if (eq[i]! > peak) peak = eq[i]!;
      dd[i] = peak > 0 ? -((peak - eq[i]!) / peak) * 100 : 0;
    }
    const units = (r.startEquity * (1 - 0.001)) / (c?.o[0] ?? r.close[0]!);
    const bh = Float64Array.from(r.close, (x) => units * x);
    data.equity = sampled(r.ts, eq, step);
    data.buyHold = sampled(r.ts, bh, step);
    // The drawdown keeps each chart bar's worst point, so a deep minute is not averaged away.
    const ddOut: { time: number; value: number }[] = [];
    for (let i = 0; i < dd.length; i += step) {
      let w = 0;
      for (let k = i; k < Math.min(dd.length, i + step); k++) if (dd[k]! < w) w = dd[k]!;
      ddOut.push({ time: Math.floor(r.ts[i]! / 1000), value: Number(w.toFixed(4)) });
    }
    data.drawdown = ddOut;
    data.monthly = monthlyReturns(r.ts, eq, r.startEquity).map((m) => ({
      month: m.month,
      ret: Number((m.ret * 100).toFixed(3)),
    }));
    data.trades = b.trades.slice(-500).map((t) => ({
      side: t.side,
      entry: new Date(t.entryTs).toISOString().slice(0, 16).replace('T', ' '),
      exit: new Date(t.exitTs).toISOString().slice(0, 16).replace('T', ' '),
      entryPx: Number(t.entryPx.toFixed(6)),
      exitPx: Number(t.exitPx.toFixed(6)),
      size: Number(t.size.toPrecision(8)),
      pnl: Number(t.pnl.toFixed(6)),
      ret: Number(t.returnPct.toFixed(3)),
    }));
    data.tradesTotal = b.trades.length;
    const m = b.metrics;
    const f = (x: number | null, p = true) =>
      x === null || !Number.isFinite(x) ? '-' : p ? `${(x * 100).toFixed(2)} %` : x.toFixed(2);
    data.figures = [
      ['total return', f(m.strategy.totalReturn), f(m.buyHold.totalReturn)],
      ['annual return', f(m.strategy.annualReturn), f(m.buyHold.annualReturn)],
      ['max drawdown', f(-m.strategy.maxDrawdown), f(-m.buyHold.maxDrawdown)],
      [
        'longest drawdown',
        duration(m.strategy.maxDrawdownDurationMs),
        duration(m.buyHold.maxDrawdownDurationMs),
      ],
      ['Sharpe', f(m.strategy.sharpe, false), f(m.buyHold.sharpe, false)],
      ['Sortino', f(m.strategy.sortino, false), f(m.buyHold.sortino, false)],
      ['Calmar', f(m.strategy.calmar, false), f(m.buyHold.calmar, false)],
      ['win rate', m.winRate === null ? '-' : `${(m.winRate * 100).toFixed(1)} %`, ''],
      ['profit factor', f(m.profitFactor, false), ''],
      ['exposure', `${(m.exposure * 100).toFixed(1)} %`, '100 %'],
      ['turnover', `${m.turnover.toFixed(2)} x`, ''],
      ['fees paid', `${m.feesPaid.toFixed(2)} ${r.quoteCcy}`, ''],
      ['funding paid', `${m.fundingPaid.toFixed(2)} ${r.quoteCcy}`, ''],
    ];
  }
  if (input.heatmap) data.heatmap = input.heatmap;
  if (input.summary) data.summary = input.summary;
  // JSON inside a <script> element: "<" escaped so no string can close the element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font:14px system-ui,sans-serif;margin:16px;background:#fff;color:#222}
h1{font-size:18px;margin:0 0 4px} h2{font-size:15px;margin:18px 0 6px}
.muted{color:#666} .chart{width:100%;height:320px;border:1px solid #ddd}
.small{height:180px} table{border-collapse:collapse;font-size:12px}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:right} th{background:#f5f5f5}
td.l,th.l{text-align:left} .grid{display:flex;gap:24px;flex-wrap:wrap}
</style></head><body>
<h1 id="title"></h1><div class="muted" id="source">${esc(input.source ?? '')}</div>
<div class="grid"><div><h2>Figures</h2><table id="figures"></table></div><div id="summary-box"><h2>Summary</h2><table id="summary"></table></div></div>
<h2>Price and trades</h2><div id="candles" class="chart"></div>
<h2>Equity (strategy and buy &amp; hold)</h2><div id="equity" class="chart small"></div>
<h2>Drawdown (%)</h2><div id="drawdown" class="chart small"></div>
<div class="grid"><div><h2>Monthly returns (%)</h2><table id="monthly"></table></div>
<div id="heatmap-box"><h2>Optimizer heatmap</h2><table id="heatmap"></table></div></div>
<h2>Trades</h2><div class="muted" id="trades-note"></div><table id="trades"></table>
<script>${lightweightCharts()}</script>
<script type="application/json" id="report-data">${json}</script>
<script>
(function () {
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var LC = window.LightweightCharts;
  var out = { candles: 0, markers: 0, equity: 0, buyHold: 0, drawdown: 0, monthly: 0, heatmap: 0, trades: 0, levels: 0 };
  document.getElementById('title').textContent = D.title;
  function el(tag, text, cls) { var e = document.createElement(tag); e.textContent = text; if (cls) e.className = cls; return e; }
  function row(table, cells, head) { var tr = document.createElement('tr'); cells.forEach(function (c, i) { tr.appendChild(el(head ? 'th' : 'td', String(c), i === 0 ? 'l' : '')); }); table.appendChild(tr); return tr; }
  function hide(id) { var e = document.getElementById(id); e.style.display = 'none'; var h = e.previousElementSibling; if (h && h.tagName === 'H2') h.style.display = 'none'; }
  function color(v, max) { var a = Math.min(1, Math.abs(v) / (max || 1)); return v >= 0 ? 'rgba(38,166,154,' + a.toFixed(2) + ')' : 'rgba(239,83,80,' + a.toFixed(2) + ')'; }
  var opts = { autoSize: true, layout: { background: { color: '#ffffff' }, textColor: '#333' }, timeScale: { timeVisible: true } };
  if (D.figures) { var f = document.getElementById('figures'); row(f, ['', 'strategy', 'buy & hold'], true); D.figures.forEach(function (r) { row(f, r); }); } else hide('figures');
  if (D.summary) { var s = document.getElementById('summary'); D.summary.forEach(function (r) { row(s, r); }); } else document.getElementById('summary-box').style.display = 'none';
  if (D.candles) {
    var ch = LC.createChart(document.getElementById('candles'), opts);
    var cs = ch.addSeries(LC.CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350' });
    cs.setData(D.candles);
    out.candles = cs.data().length;
    if (D.markers && D.markers.length) { var mk = LC.createSeriesMarkers(cs, D.markers); out.markers = mk.markers().length; }
    (D.levels || []).forEach(function (l) { cs.createPriceLine({ price: l.price, color: '#7b61ff', lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: l.label }); out.levels++; });
    ch.timeScale().fitContent();
  } else hide('candles');
  if (D.equity) {
    var ec = LC.createChart(document.getElementById('equity'), opts);
    var es = ec.addSeries(LC.LineSeries, { color: '#2962ff', lineWidth: 2, title: 'strategy' });
    es.setData(D.equity); out.equity = es.data().length;
    var bs = ec.addSeries(LC.LineSeries, { color: '#999999', lineWidth: 1, title: 'buy & hold' });
    bs.setData(D.buyHold); out.buyHold = bs.data().length;
    ec.timeScale().fitContent();
    var dc = LC.createChart(document.getElementById('drawdown'), opts);
    var ds = dc.addSeries(LC.AreaSeries, { lineColor: '#ef5350', topColor: 'rgba(239,83,80,0.1)', bottomColor: 'rgba(239,83,80,0.4)', invertFilledArea: true });
    ds.setData(D.drawdown); out.drawdown = ds.data().length;
    dc.timeScale().fitContent();
  } else { hide('equity'); hide('drawdown'); }
  if (D.monthly && D.monthly.length) {
    var mt = document.getElementById('monthly');
    var max = Math.max.apply(null, D.monthly.map(function (m) { return Math.abs(m.ret); }));
    row(mt, ['month', 'return'], true);
    D.monthly.forEach(function (m) { var tr = row(mt, [m.month, m.ret.toFixed(2)]); tr.lastChild.style.background = color(m.ret, max); out.monthly++; });
  } else hide('monthly');
  if (D.heatmap) {
    var H = D.heatmap, ht = document.getElementById('heatmap');
    var xs = [], ys = [];
    H.cells.forEach(function (c) { if (xs.indexOf(c.x) < 0) xs.push(c.x); if (ys.indexOf(c.y) < 0) ys.push(c.y); });
    xs.sort(function (a, b) { return a - b; }); ys.sort(function (a, b) { return a - b; });
    var hmax = Math.max.apply(null, H.cells.map(function (c) { return Math.abs(c.value); }));
    row(ht, [H.yName + ' \\\\ ' + H.xName].concat(xs), true);
    ys.forEach(function (y) {
      var tr = row(ht, [y].concat(xs.map(function () { return ''; })));
      xs.forEach(function (x, i) {
        var c = H.cells.filter(function (k) { return k.x === x && k.y === y; })[0];
        var td = tr.children[i + 1];
        if (c) { td.textContent = c.value.toFixed(2); td.style.background = color(c.value, hmax); td.setAttribute('data-cell', ''); out.heatmap++; }
      });
    });
    document.getElementById('heatmap-box').querySelector('h2').textContent = 'Optimizer heatmap: ' + H.metric;
  } else document.getElementById('heatmap-box').style.display = 'none';
  if (D.trades) {
    var tt = document.getElementById('trades');
    document.getElementById('trades-note').textContent = D.tradesTotal > D.trades.length ? 'last ' + D.trades.length + ' of ' + D.tradesTotal + ' round trips' : D.tradesTotal + ' round trips';
    row(tt, ['side', 'entry', 'exit', 'entry px', 'exit px', 'size', 'pnl', 'return %'], true);
    D.trades.forEach(function (t) { row(tt, [t.side, t.entry, t.exit, t.entryPx, t.exitPx, t.size, t.pnl, t.ret]); out.trades++; });
  } else hide('trades');
  Object.keys(out).forEach(function (k) { document.body.setAttribute('data-' + k, String(out[k])); });
  out.ready = true;
  window.__report = out;
})();
</script></body></html>
`;
}

/** Writes the report atomically (readable by others: it holds no secret). */
export function writeReport(path: string, input: ReportInput): void {
  writeFileAtomic(path, renderReport(input), 0o644);
}
