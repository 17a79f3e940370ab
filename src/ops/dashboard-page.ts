/**
 * The dashboard page served by `okxkit up`: one HTML file, no build step. It reads /api/state
 * once and then every update from /events (server-sent events); the equity curves are drawn
 * with lightweight-charts (served from the package at /static/lightweight-charts.js). Actions
 * send the page's CSRF token; kill and resume ask for a reason and a confirmation.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="csrf" content="__CSRF__">
<title>okxkit operations</title>
<style>
body{font:13px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
header{display:flex;gap:1em;align-items:center;padding:.6em 1em;background:#1b1f24;color:#fff}
header h1{font-size:15px;margin:0 1em 0 0}
main{display:grid;grid-template-columns:2fr 1fr;gap:1em;padding:1em}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.6em .8em}
h2{font-size:13px;margin:.2em 0 .6em;text-transform:uppercase;letter-spacing:.04em;color:#57606a}
table{border-collapse:collapse;width:100%}td,th{padding:3px 6px;border-bottom:1px solid #eef0f2;text-align:left;vertical-align:top}
.ok{color:#1a7f37}.bad{color:#cf222e;font-weight:600}.warn{color:#9a6700}.muted{color:#6e7781}
#kill-state.bad{background:#cf222e;color:#fff;padding:2px 8px;border-radius:4px}
button{cursor:pointer}#chart{height:220px}
.small{font-size:12px}
</style></head>
<body>
<header><h1>okxkit</h1>
<span>scope <b id="scope">?</b></span>
<span id="kill-state">…</span>
<input id="kill-reason" placeholder="reason (required)" size="28">
<button id="kill">Kill (halt all trading)</button>
<button id="resume">Resume</button>
<span class="muted small">updates <b id="updates">0</b>, <span id="updated-at"></span></span>
</header>
<main>
<div>
<section><h2>Bots</h2>
<table id="bots"><thead><tr><th>bot</th><th>state</th><th>price</th><th>PnL</th><th>equity</th><th>open orders</th><th>fills</th><th>risk headroom</th><th>last error</th><th></th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Open orders</h2>
<table id="orders" class="small"><thead><tr><th>bot</th><th>side</th><th>price</th><th>size</th><th>filled</th><th>age</th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Equity</h2><div id="chart"></div></section>
<section><h2>Recent fills and events</h2><table id="events" class="small"><tbody></tbody></table></section>
</div>
<div>
<section><h2>Account</h2><table id="account" class="small"><tbody></tbody></table></section>
<section><h2>API health</h2><table id="api" class="small"><tbody></tbody></table></section>
<section><h2>Alerts</h2><table id="alerts" class="small"><tbody></tbody></table></section>
<section><h2>Audit trail <span id="audit-ok"></span></h2><table id="audit" class="small"><tbody></tbody></table></section>
</div>
</main>
<script src="/static/lightweight-charts.js"></script>
<script>
const csrf = document.querySelector('meta[name=csrf]').content;
const $ = (s) => document.querySelector(s);
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
let chart, series = new Map(), updates = 0;
function ensureChart() {
  if (chart || !window.LightweightCharts) return;
  chart = LightweightCharts.createChart($('#chart'), { height: 220, timeScale: { timeVisible: true, secondsVisible: true } });
}
const COLORS = ['#0969da', '#1a7f37', '#bf3989', '#9a6700', '#8250df', '#cf222e'];
async function act(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body || {}) });
  if (!r.ok) alert(await r.text());
}
function age(ms) {
  const t = Math.max(0, Math.floor(ms / 1000));
  if (t < 60) return t + ' s';
  if (t < 3600) return Math.floor(t / 60) + ' m ' + String(t % 60).padStart(2, '0') + ' s';
  if (t < 86400) return Math.floor(t / 3600) + ' h ' + String(Math.floor(t / 60) % 60).padStart(2, '0') + ' m';
  return Math.floor(t / 86400) + ' d ' + Math.floor(t / 3600) % 24 + ' h';
}
function render(s) {
  updates++;
  $('#updates').textContent = updates;
  $('#updated-at').textContent = new Date(s.now).toLocaleTimeString();
  $('#scope').textContent = s.scope;
  const ks = $('#kill-state');
  ks.textContent = s.kill.halted ? 'HALTED: ' + s.kill.why + ' (by ' + s.kill.by + ')' : 'trading';
  ks.className = s.kill.halted ? 'bad' : 'ok';
  ks.dataset.halted = String(s.kill.halted);
  $('#bots tbody').innerHTML = s.bots.map((b) => {
    const st = b.status || {};
    const cls = b.state === 'running' ? 'ok' : b.state === 'failed' ? 'bad' : 'warn';
    const halted = st.halted ? ' <span class="bad">halted</span>' : '';
    return '<tr data-bot="' + esc(b.id) + '"><td><b>' + esc(b.id) + '</b><br><span class="muted">' + esc(b.kind) + ' ' + esc(b.instId) + '</span></td>' +
      '<td class="state ' + cls + '">' + esc(b.state) + halted + (b.restarts ? '<br><span class="muted">' + b.restarts + ' restarts</span>' : '') + '</td>' +
      '<td>' + esc(st.price) + '</td><td class="pnl">' + esc(st.pnl) + '<br><span class="muted">real. ' + esc(st.realisedPnl) + '</span></td>' +
      '<td class="equity">' + esc(st.equity) + '</td><td class="open">' + esc(st.openOrders ?? '') + (st.openOrders ? ' (' + st.openBuys + ' buy, ' + st.openSells + ' sell)' : '') + '</td>' +
      '<td class="fills">' + esc(st.fills ?? '') + ' / ' + esc(st.ordersPlaced ?? '') + ' placed</td>' +
      '<td class="small">' + esc(st.riskHeadroom) + '</td><td class="small bad">' + esc(b.lastError) + '</td>' +
      '<td>' + (b.state === 'running' || b.state === 'starting' ? '<button data-stop="' + esc(b.id) + '">stop</button>' : '<button data-start="' + esc(b.id) + '">start</button>') + '</td></tr>';
  }).join('');
  $('#orders tbody').innerHTML = s.bots.map((b) => {
    const st = b.status || {};
    const list = (st.openOrderList || []).slice().sort((x, y) => Number(y.px || 0) - Number(x.px || 0));
    const more = (st.openOrders || 0) - list.length;
    if (!list.length && !(st.openOrders > 0)) return '<tr data-bot="' + esc(b.id) + '"><td><b>' + esc(b.id) + '</b></td><td class="muted" colspan="5">no open orders</td></tr>';
    return list.map((o, i) => '<tr data-bot="' + esc(b.id) + '" data-clordid="' + esc(o.clOrdId) + '"><td>' + (i ? '' : '<b>' + esc(b.id) + '</b>') + '</td>' +
      '<td class="side ' + (o.side === 'buy' ? 'ok' : 'bad') + '">' + esc(o.side) + '</td><td class="px">' + esc(o.px || 'market') + '</td>' +
      '<td class="sz">' + esc(o.sz) + '</td><td class="filled">' + esc(o.filled) + '</td><td class="age">' + esc(age(s.now - o.sinceMs)) + '</td></tr>').join('') +
      (more > 0 ? '<tr data-bot="' + esc(b.id) + '"><td>' + (list.length ? '' : '<b>' + esc(b.id) + '</b>') + '</td><td class="muted" colspan="5">' + (list.length ? 'and ' + more + ' more' : more + ' open, not listed by this bot') + '</td></tr>' : '');
  }).join('');
  ensureChart();
  if (chart) s.bots.forEach((b, i) => {
    let line = series.get(b.id);
    if (!line) { line = chart.addSeries(LightweightCharts.LineSeries, { color: COLORS[i % COLORS.length], title: b.id, lineWidth: 2 }); series.set(b.id, line); }
    const pts = []; let last = 0;
    for (const [t, v] of b.equity) { const sec = Math.floor(t / 1000); if (sec > last) { pts.push({ time: sec, value: v }); last = sec; } }
    line.setData(pts);
  });
  const events = s.bots.flatMap((b) => b.events.map((e) => ({ ...e, bot: b.id }))).sort((a, b) => b.ts - a.ts).slice(0, 25);
  $('#events tbody').innerHTML = events.map((e) => '<tr><td class="muted">' + new Date(e.ts).toLocaleTimeString() + '</td><td>' + esc(e.bot) + '</td><td>' + esc(e.type) + '</td><td>' + esc(e.text) + '</td></tr>').join('');
  const a = s.account;
  $('#account tbody').innerHTML = (a.error ? '<tr><td class="bad" colspan="3">' + esc(a.error) + '</td></tr>' : '') +
    a.balances.map((x) => '<tr><td>' + esc(x.ccy) + '</td><td>' + esc(x.eq) + '</td><td class="muted">avail ' + esc(x.availBal) + '</td></tr>').join('') +
    (a.positions.length ? '<tr><td colspan="3">' + a.positions.length + ' positions</td></tr>' : '<tr><td colspan="3" class="muted">no positions</td></tr>');
  const api = s.api;
  const ws = s.bots.flatMap((b) => Object.entries((b.health && b.health.ws) || {}).map(([ep, up]) => esc(b.id) + ' ' + esc(ep) + ': ' + (up ? '<span class="ok">up</span>' : '<span class="bad">down</span>')));
  const drift = s.bots.filter((b) => b.health).map((b) => esc(b.id) + ' ' + b.health.clockOffsetMs + ' ms (±' + b.health.clockErrorMs + ')');
  $('#api tbody').innerHTML =
    '<tr><td>requests</td><td id="api-requests">' + api.requests + '</td></tr>' +
    '<tr><td>errors</td><td class="' + (api.errors ? 'warn' : '') + '">' + api.errors + ' ' + esc(Object.entries(api.errorCodes).map(([c, n]) => c + '×' + n).join(' ')) + '</td></tr>' +
    '<tr><td>mean latency</td><td>' + api.meanLatencyMs.toFixed(1) + ' ms</td></tr>' +
    '<tr><td>limiter headroom</td><td>' + api.limiter.slice().sort((x, y) => x.ratio - y.ratio).slice(0, 4).map((h) => esc(h.rule) + ' ' + Math.round(h.ratio * 100) + '%').join('<br>') + '</td></tr>' +
    '<tr><td>WebSocket</td><td>' + (ws.join('<br>') || '<span class="muted">none</span>') + '</td></tr>' +
    '<tr><td>clock offset</td><td>' + drift.join('<br>') + '</td></tr>';
  $('#alerts tbody').innerHTML = s.alerts.slice().reverse().map((x) => '<tr><td class="muted">' + new Date(x.ts).toLocaleTimeString() + '</td><td class="' + (x.severity === 'critical' ? 'bad' : x.severity === 'warning' ? 'warn' : '') + '">' + esc(x.kind) + '</td><td>' + esc(x.message) + '</td></tr>').join('') || '<tr><td class="muted">none</td></tr>';
  const au = s.audit;
  $('#audit-ok').innerHTML = au.ok ? '<span class="ok">verified (' + au.records + ' records)</span>' : '<span class="bad">FAILS VERIFICATION: ' + esc(au.problems.join('; ')) + '</span>';
  $('#audit tbody').innerHTML = au.tail.slice().reverse().map((r) => '<tr><td class="muted">#' + r.seq + '</td><td>' + esc(r.action) + '</td><td>' + esc(r.operator) + '</td><td>' + esc(r.why) + '</td></tr>').join('');
}
document.addEventListener('click', (ev) => {
  const t = ev.target;
  if (!(t instanceof HTMLElement)) return;
  if (t.dataset.stop && confirm('Stop bot ' + t.dataset.stop + '?')) act('/api/bots/' + encodeURIComponent(t.dataset.stop) + '/stop');
  if (t.dataset.start) act('/api/bots/' + encodeURIComponent(t.dataset.start) + '/start');
  if (t.id === 'kill' || t.id === 'resume') {
    const why = $('#kill-reason').value.trim();
    if (!why) { alert('Give a reason first: it goes into the audit trail.'); return; }
    if (confirm((t.id === 'kill' ? 'HALT ALL TRADING on ' : 'Resume trading on ') + $('#scope').textContent + '? Reason: ' + why)) act('/api/' + t.id, { why });
  }
});
const es = new EventSource('/events');
es.onmessage = (m) => render(JSON.parse(m.data));
</script>
</body></html>
`;
