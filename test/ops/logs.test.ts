// Logs to a file: rotation by size through pino-roll, JSON lines, one correlation id per order from
// intent to fill, and no secret in any line (canary).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLogger, logOptionsFrom, parseLogSize } from '../../src/ops/logs.js';
import { alertsFromConfig } from '../../src/ops/alerts/config.js';
import { startAlertReceiver } from '../../src/ops/alerts/receiver.js';
import { OkxClient } from '../../src/client/okx-client.js';
import { openTradingStack } from '../../src/bots/session.js';
import { FakeMarket } from '../sim/fake-market.js';
import { withSim } from '../helpers/sim.js';
import { until } from '../helpers/until.js';
import { runCli } from '../helpers/cli.js';

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'okxkit-logs-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Every JSON line of every log file in dir (throws on a line that is not JSON). */
function lines(dir: string): Array<Record<string, unknown>> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
}

describe('log file rotation', () => {
  test('rotates at the size limit, keeps the configured count, every line JSON', async (t) => {
    const dir = tmp(t);
    const { logger, close } = openLogger({ file: join(dir, 'okxkit.log'), maxSize: '1k', files: 3 });
    // pino-roll counts bytes per write of its worker: log in batches, each on disk before the next.
    const newest = () => {
      try {
        return Math.max(-1, ...lines(dir).map((l) => Number(l.n)));
      } catch {
        return -1; // a line half written or a file mid-rotation: look again
      }
    };
    for (let b = 0; b < 12; b++) {
      for (let i = 0; i < 10; i++) logger.info({ n: b * 10 + i, pad: 'x'.repeat(60) }, 'line');
      await until(() => newest() === b * 10 + 9, 'the batch on disk');
    }
    await close();
    const files = readdirSync(dir).filter((f) => /^okxkit\.\d+\.log$/.test(f));
    assert.ok(files.length >= 2, `rotated into several files: ${files.join(', ')}`);
    assert.ok(files.length <= 4, `at most 3 rotated + the active one: ${files.join(', ')}`);
    const all = lines(dir);
    assert.ok(all.every((l) => l.msg === 'line' && typeof l.n === 'number' && typeof l.time === 'string'));
    // the newest lines are kept
    assert.equal(all.at(-1)!.n, 119);
    for (const f of files) assert.ok(readFileSync(join(dir, f)).length < 2048, `${f} stays near 1k`);
  });

  test('flags and environment: sizes parse, bad values name the flag', () => {
    assert.equal(parseLogSize('10m'), '10m');
    assert.equal(parseLogSize('2048'), '2k');
    assert.throws(() => parseLogSize('lots'), /--log-max-size: "lots" is not a size/);
    assert.deepEqual(
      logOptionsFrom({}, { OKXKIT_LOG_FILE: '/x/a.log', OKXKIT_LOG_FILES: '7', OKXKIT_LOG_REQUESTS: '1' }),
      {
        file: '/x/a.log',
        files: 7,
        requests: true,
      },
    );
    assert.equal(logOptionsFrom({ logFile: 'b.log' }, { OKXKIT_LOG_FILE: 'a.log' }).file, 'b.log');
    assert.throws(() => logOptionsFrom({ logFiles: '0' }, {}), /--log-files/);
    assert.throws(() => logOptionsFrom({ logLevel: 'loud' }, {}), /--log-level/);
  });
});

describe('one correlation id per order, intent to fill', () => {
  test('journal events and the fill carry the clOrdId as corr', async (t) => {
    const dir = tmp(t);
    const undo: Array<() => unknown> = [];
    t.after(async () => {
      for (const fn of undo.reverse()) await fn();
    });
    const market = new FakeMarket();
    const sim = await withSim({ after: (fn) => void undo.push(fn) }, { market });
    const credentials = sim.credentials('trade');
    const log = openLogger({ file: join(dir, 'okxkit.log'), requests: true });
    const client = new OkxClient({ baseUrl: sim.restUrl, credentials, logger: log.clientLogger });
    undo.push(() => client.close());
    const stack = await openTradingStack({
      client,
      journalPath: ':memory:',
      ws: { credentials },
      pollMs: 60_000,
      reconcileMs: 60_000,
      deadMan: false,
      logger: log.logger,
    });
    undo.push(() => stack.close());
    const fills: string[] = [];
    const off = stack.exchange.onFill((f) => fills.push(f.clOrdId));
    undo.push(off);
    const order = await stack.port.placeOrder({
      instId: 'BTC-USDT',
      side: 'buy',
      ordType: 'limit',
      px: '49900',
      sz: '0.01',
      clOrdId: 'corrtest0001',
    });
    assert.equal(order.clOrdId, 'corrtest0001');
    market.emitTrades('BTC-USDT', [{ px: '49900', sz: '0.01', side: 'sell' }]);
    await until(() => fills.includes('corrtest0001'), 'the fill');
    await stack.close();
    undo.pop();
    await log.close();
    const all = lines(dir);
    const mine = all.filter((l) => l.corr === 'corrtest0001');
    const events = mine.map((l) => l.event);
    for (const e of ['intent', 'send', 'exchange', 'fill'])
      assert.ok(events.includes(e), `a "${e}" line with corr: ${JSON.stringify(events)}`);
    assert.ok(events.indexOf('intent') < events.indexOf('fill'));
    // the request log is there too, key masked, no signature or passphrase
    const reqs = all.filter((l) => l.msg === 'okx request');
    assert.ok(reqs.length > 0);
    const text = readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('');
    assert.ok(!text.includes(credentials.apiKey), 'the API key is masked');
    assert.ok(!text.includes(credentials.revealPassphrase()), 'no passphrase');
    assert.ok(!text.includes(credentials.revealSecret()), 'no secret key');
  });
});

describe('no secret reaches the log file (canary)', () => {
  test('secret-named fields, errors and alert channel failures are redacted', async (t) => {
    const dir = tmp(t);
    const CANARY = 'CANARY-9f3e1d';
    const log = openLogger({ file: join(dir, 'okxkit.log') });
    log.logger.info(
      { secretKey: CANARY, nested: { password: CANARY, token: CANARY, webhookSecret: CANARY } },
      'fields',
    );
    log.logger.error({ err: Object.assign(new Error('boom'), { passphrase: CANARY }) }, 'error');
    // an alert channel whose URL (a secret) points nowhere: its failure is logged without it
    const rx = await startAlertReceiver();
    const url = `${rx.url}/services/${CANARY}`;
    await rx.close();
    const alerts = await alertsFromConfig(
      { retries: 0, channels: [{ name: 'slack', type: 'slack', url: { env: 'SLACK_URL' } }] },
      { env: { SLACK_URL: url }, logger: log.logger },
    );
    await alerts.emit({ kind: 'test', message: 'hello', details: { token: CANARY } });
    await alerts.close();
    await log.close();
    const text = readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('');
    assert.match(text, /alert failed/);
    assert.match(text, /could not reach the service/);
    assert.ok(!text.includes(CANARY), `no canary in:\n${text}`);
    assert.ok(!alerts.history.some((a) => JSON.stringify(a).includes(CANARY)));
  });
});

describe('CLI flags', () => {
  test('--log-file with --log-requests logs each request of a command as JSON, key masked', async (t) => {
    const dir = tmp(t);
    const r = await runCli([
      'market',
      'ticker',
      'BTC-USDT',
      '--log-file',
      join(dir, 'cli.log'),
      '--log-requests',
    ]);
    assert.equal(r.code, 0, r.err);
    const reqs = lines(dir).filter((l) => l.msg === 'okx request');
    assert.ok(
      reqs.some((l) => String(l.path).startsWith('/api/v5/market/ticker')),
      JSON.stringify(reqs),
    );
  });
  test('without --log-requests the file gets no request lines', async (t) => {
    const dir = tmp(t);
    const r = await runCli(['market', 'ticker', 'BTC-USDT'], {
      OKXKIT_LOG_FILE: join(dir, 'cli.log'),
      OKXKIT_LOG_LEVEL: 'info',
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(lines(dir).filter((l) => l.msg === 'okx request').length, 0);
  });
});
