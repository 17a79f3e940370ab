// The done-when of issue 14 on the local exchange: `okxkit up` (startOps, what the command runs)
// supervises three bots in their own processes; a SIGKILL of one makes the supervisor restart it
// and fires a crash alert to a local webhook receiver; /metrics carries every okxkit series; the
// dashboard in a real headless Chromium updates live while a bot trades, and its kill button halts
// the bots (confirmed, with a reason, audited).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startSimulator } from '../../src/sim/simulator.js';
import { killScopeFor } from '../../src/trading/kill-switch.js';
import type { Alert } from '../../src/trading/alerts.js';
import { parseOpsConfig } from '../../src/ops/config.js';
import { OKXKIT_SERIES } from '../../src/ops/metrics.js';
import { startOps, type OpsHandle } from '../../src/ops/up.js';
import { until } from '../helpers/until.js';
import { launchChromium } from '../helpers/browser.js';

let dir: string;
let sim: Awaited<ReturnType<typeof startSimulator>>;
let hook: Server;
const received: Alert[] = [];
let ops: OpsHandle;
let secret: { secretKey: string; passphrase: string };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'okxkit-operate-'));
  hook = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += String(c)));
    req.on('end', () => {
      received.push(JSON.parse(raw) as Alert);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  sim = await startSimulator({ seed: 14, tickMs: 50 });
  const key = sim.key('trade');
  secret = { secretKey: key.secretKey, passphrase: key.passphrase };
  const config = parseOpsConfig(`
restart: { initialDelayMs: 100, maxDelayMs: 1000, maxRestarts: 5, windowSec: 600 }
alerts: { webhook: { url: "${hookUrl}" } }
bots:
  - kind: grid
    cancelOnExit: true
    config: { id: grid1, instId: BTC-USDT, lower: "-2%", upper: "+2%", levels: 5, investment: "500", buyMissingBase: true, risk: { maxDailyLoss: "100", maxOpenOrders: 20 } }
  - kind: dca
    config: { id: dca1, instId: BTC-USDT, quoteAmount: "20", intervalSec: 1, takeProfitPct: "50", risk: { maxOpenOrders: 10 } }
  - kind: trailing
    config: { id: trail1, instId: ETH-USDT, size: "0.01", trailPct: "5" }
`);
  ops = await startOps({
    config: { ...config, stateDir: join(dir, 'bots') },
    venue: {
      baseUrl: sim.restUrl,
      demo: false,
      key: { apiKey: key.apiKey, secretKey: key.secretKey, passphrase: key.passphrase },
      killScope: killScopeFor({ baseUrl: sim.restUrl, apiKey: key.apiKey }),
    },
    home: dir,
    auditPath: join(dir, 'audit.jsonl'),
    port: 0,
    reportEveryMs: 300,
    accountEveryMs: 1000,
    log: () => undefined,
  });
});

after(async () => {
  await ops?.stop();
  await sim?.close();
  await new Promise<void>((r) => hook.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const running = (id: string) => ops.supervisor.status(id).state === 'running';

test('three bots run in their own processes; SIGKILL of one: restarted, crash alert at the webhook, others untouched', async () => {
  await until(() => ['grid1', 'dca1', 'trail1'].every(running), 90_000, 'three bots running');
  const pids = ops.supervisor.list().map((b) => b.pid);
  assert.equal(new Set(pids).size, 3, 'one process per bot');
  const victim = ops.supervisor.status('dca1').pid!;
  process.kill(victim, 'SIGKILL');
  await until(() => received.some((a) => a.kind === 'bot-crash'), 20_000, 'the crash alert at the webhook');
  const alert = received.find((a) => a.kind === 'bot-crash')!;
  assert.equal(alert.severity, 'critical');
  assert.equal(alert.details.bot, 'dca1');
  assert.match(alert.message, /dca1 killed by SIGKILL/);
  await until(
    () => running('dca1') && ops.supervisor.status('dca1').pid !== victim,
    60_000,
    'dca1 restarted',
  );
  assert.equal(ops.supervisor.status('dca1').restarts, 1);
  assert.equal(ops.supervisor.status('grid1').pid, pids[0], 'grid1 kept its process');
  assert.equal(ops.supervisor.status('trail1').pid, pids[2], 'trail1 kept its process');
});

test('/metrics carries every okxkit series, with the bots, requests and orders in it', async () => {
  await until(
    () => (ops.supervisor.status('dca1').status?.ordersPlaced ?? 0) > 0,
    30_000,
    'dca1 places an order',
  );
  const res = await request(`${ops.url}metrics`);
  assert.equal(res.statusCode, 200);
  const text = await res.body.text();
  const missing = OKXKIT_SERIES.filter((s) => !new RegExp(`^# TYPE ${s} `, 'm').test(text));
  assert.deepEqual(missing, []);
  for (const bot of ['grid1', 'dca1', 'trail1'])
    assert.match(text, new RegExp(`^okxkit_bot_up\\{bot="${bot}"\\} 1$`, 'm'));
  assert.match(text, /^okxkit_bot_restarts_total\{bot="dca1"\} 1$/m);
  assert.match(text, /^okxkit_bot_crashes_total\{bot="dca1"\} 1$/m);
  assert.match(
    text,
    /^okxkit_rest_requests_total\{endpoint="POST \/api\/v5\/trade\/order",outcome="ok"\} [1-9]/m,
  );
  assert.match(
    text,
    /^okxkit_rest_request_duration_seconds_bucket\{le="\+Inf",endpoint="GET \/api\/v5\/market\/ticker"\} [1-9]/m,
  );
  assert.match(text, /^okxkit_bot_orders_placed_total\{bot="dca1"\} [1-9]/m);
  assert.match(text, /^okxkit_rate_limit_headroom_ratio\{rule="POST \/api\/v5\/trade\/order"\} (0\.\d+|1)$/m);
  assert.match(text, /^okxkit_risk_headroom\{bot="grid1",limit="daily_loss"\} \d/m);
  assert.match(text, /^okxkit_kill_switch_engaged\{scope="[^"]+"\} 0$/m);
  assert.match(text, /^okxkit_account_equity\{ccy="USDT"\} \d/m);
  // canary: the key's secret and passphrase appear nowhere a person or a scraper can read
  const state = await (await request(`${ops.url}api/state`)).body.text();
  const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
  for (const where of [text, state, audit]) {
    assert.ok(!where.includes(secret.secretKey), 'the secret key leaked');
    assert.ok(!where.includes(secret.passphrase), 'the passphrase leaked');
  }
});

test('the dashboard in Chromium: all bots, live updates while dca1 trades, and the kill button halts trading', async (t) => {
  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(ops.url);
  await page.waitForSelector('#bots tr[data-bot="trail1"]');
  assert.equal(await page.locator('#bots tr[data-bot]').count(), 3);
  // live: dca1 buys every second; the page shows more orders without a reload
  const placed = async () =>
    Number(
      /\/ (\d+) placed/.exec(await page.locator('#bots tr[data-bot="dca1"] .fills').innerText())?.[1] ?? -1,
    );
  const first = await placed();
  await until(async () => (await placed()) > first, 30_000, 'the page shows a new dca1 order');
  assert.ok(await page.locator('#chart canvas').count(), 'the equity chart is drawn');
  assert.match(await page.locator('#audit-ok').innerText(), /verified \([1-9]\d* records\)/i);
  assert.match(await page.locator('#audit').innerText(), /bot\.started/);
  // kill: a reason, a confirmation, then the whole scope halts
  await page.fill('#kill-reason', 'e2e: halt from the dashboard');
  page.once('dialog', (d) => void d.accept());
  await page.click('#kill');
  await page.waitForSelector('#kill-state[data-halted="true"]');
  await until(() => Boolean(ops.supervisor.status('dca1').status?.halted), 20_000, 'dca1 reports the halt');
  await page.waitForSelector('#bots tr[data-bot="dca1"] .state .bad');
  const haltedAt = ops.supervisor.status('dca1').status!.ordersPlaced;
  // several reports later, dca1 has placed nothing more
  const seen = Number(await page.locator('#updates').innerText());
  await until(
    async () => Number(await page.locator('#updates').innerText()) >= seen + 6,
    20_000,
    'more live updates',
  );
  assert.equal(ops.supervisor.status('dca1').status!.ordersPlaced, haltedAt);
  assert.match(await page.locator('#audit').innerText(), /killswitch\.engaged/);
  assert.match(await page.locator('#alerts').innerText(), /kill-switch/);
  // kept after the run (the rest of the test's temp dir is removed) for a person to look at
  const shot = join(mkdtempSync(join(tmpdir(), 'okxkit-dashboard-shot-')), 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  t.diagnostic(`screenshot: ${shot}`);
  assert.ok(readFileSync(shot).length > 10_000);
  assert.deepEqual(errors, []);
  const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
  assert.match(audit, /"action":"killswitch\.engaged".*"why":"e2e: halt from the dashboard"/);
  ops.supervisor.resume('e2e done', 'test');
});
