import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseBotConfig } from '../../src/bots/config.js';
import { createStrategy } from '../../src/bots/strategies/index.js';
import { backtest } from '../../src/backtest/run.js';
import { renderReport, writeReport } from '../../src/backtest/report.js';
import { SimMarket } from '../../src/sim/market/market.js';
import { ManualClock } from '../../src/util/clock.js';
import { SPOT } from './helpers.js';
import { launchChromium } from '../helpers/browser.js';

const END = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

/** 40 days of 1-minute candles (57,600 rows), 22 November to 31 December 2025. */
function build() {
  const m = new SimMarket({ seed: 3, clock: new ManualClock(END) });
  const candles = {
    instId: 'BTC-USDT',
    bar: '1m',
    barMs: 60_000,
    ...m.historyMinutes('BTC-USDT', END - 40 * DAY, END),
  };
  const cfg = parseBotConfig('dca', {
    instId: 'BTC-USDT',
    quoteAmount: '100',
    intervalSec: 86_400,
    takeProfitPct: '1',
    safetyOrders: { count: 2, dropPct: '1' },
  });
  const rep = backtest(createStrategy(cfg), candles, {
    instrument: { ...SPOT, lotSz: '0.00000001', minSz: '0.00001' },
    balances: { USDT: '10000' },
  });
  return { candles, rep };
}

describe('HTML report', () => {
  test('is self-contained: the chart library inline, no URL to fetch', () => {
    const { candles, rep } = build();
    const html = renderReport({ title: 'dca', backtest: rep, candles });
    assert.ok(html.includes('LightweightCharts'));
    assert.equal(/<(script|link|img)[^>]+(src|href)=/i.test(html), false);
    assert.equal(/https?:\/\/(?!www\.w3\.org)/.test(html.replace(/<script>[\s\S]*?<\/script>/, '')), false);
  });

  test(
    'renders in headless Chromium: charts hold the expected points and markers, no console errors',
    { timeout: 90_000 },
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'okxkit-report-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const { candles, rep } = build();
      const file = join(dir, 'report.html');
      const heatmap = {
        xName: 'fast',
        yName: 'slow',
        metric: 'Sharpe',
        cells: [5, 10, 15].flatMap((x) => [20, 30].map((y) => ({ x, y, value: x / y - 0.3 }))),
      };
      writeReport(file, {
        title: 'dca BTC-USDT',
        backtest: rep,
        candles,
        heatmap,
        levels: [{ price: 60000, label: 'S1' }],
      });
      assert.ok(readFileSync(file, 'utf8').length > 100_000);
      const browser = await launchChromium(t);
      const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(pathToFileURL(file).href);
      // Strings run in the page (this project's TypeScript has no DOM types).
      await page.waitForFunction('window.__report && window.__report.ready === true');
      const got = await page.evaluate<Record<string, number>>('window.__report');
      // 57,600 one-minute candles, at most 4,000 chart bars: 15 minutes a bar -> 3,840 bars.
      assert.equal(candles.ts.length, 57_600);
      assert.equal(got.candles, 3_840);
      assert.equal(got.equity, 3_840);
      assert.equal(got.buyHold, 3_840);
      assert.equal(got.drawdown, 3_840);
      assert.equal(got.markers, rep.result.fills.length);
      assert.ok(got.markers >= 10, `${got.markers} markers`);
      assert.equal(got.monthly, 2); // November and December 2025
      assert.equal(got.heatmap, 6);
      assert.equal(got.levels, 1);
      assert.equal(got.trades, Math.min(500, rep.trades.length));
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, []);
      // The candle chart drew something: its canvas is not blank.
      const painted = await page.evaluate<number>(`(() => {
        const c = document.querySelector('#candles canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) n++;
        return n;
      })()`);
      assert.ok(painted > 1000, `${painted} painted pixels`);
      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      // Set OKXKIT_REPORT_SHOT=path to keep a copy of the screenshot for a look.
      if (process.env.OKXKIT_REPORT_SHOT) copyFileSync(shot, process.env.OKXKIT_REPORT_SHOT);
      assert.ok(readFileSync(shot).length > 10_000);
    },
  );
});
