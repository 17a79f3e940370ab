import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { register, runWatch } from '../../src/cli/commands/watch.js';
import { ValidationError } from '../../src/util/errors.js';
import { FakeOkx } from './helpers/fake-okx.js';
import { generateBookMessages } from './helpers/book-messages.js';

function sink(): { out: PassThrough; lines: () => string[] } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { out, lines: () => text.split('\n').filter(Boolean) };
}

describe('okxkit watch', () => {
  test('watch ticker --base-url --json --seconds prints one JSON ticker per push, then stops', async (t) => {
    let timer: NodeJS.Timeout | undefined;
    const f = await new FakeOkx({
      onSubscribe: (_p, arg, ws) => {
        let n = 0;
        timer = setInterval(() => {
          if (ws.readyState === 1)
            ws.send(
              JSON.stringify({
                arg,
                data: [{ instType: 'SPOT', instId: arg.instId, last: `100.${n++}`, ts: String(1000 + n) }],
              }),
            );
        }, 20);
      },
    }).start();
    t.after(async () => {
      clearInterval(timer);
      await f.close();
    });
    const s = sink();
    const count = await runWatch(
      'ticker',
      'BTC-USDT',
      { baseUrl: `http://127.0.0.1:${f.port}`, json: true, seconds: 0.4, env: {} },
      s.out,
    );
    assert.ok(count >= 3, `got ${count}`);
    const first = JSON.parse(s.lines()[0]!) as { instId: string; last: string };
    assert.equal(first.instId, 'BTC-USDT');
    assert.equal(first.last, '100.0');
    assert.equal(f.ops('public', 'subscribe').length, 1);
  });

  test('watch book --json shows the top of a correct book', async (t) => {
    const msgs = generateBookMessages({ seed: 5, count: 20 });
    const f = await new FakeOkx({
      onSubscribe: (_p, _arg, ws) => {
        for (const m of msgs) ws.send(m);
      },
    }).start();
    t.after(() => f.close());
    const s = sink();
    await runWatch(
      'book',
      'BTC-USDT',
      { baseUrl: `http://127.0.0.1:${f.port}`, json: true, seconds: 0.3, depth: 3, env: {} },
      s.out,
    );
    const views = s
      .lines()
      .map((l) => JSON.parse(l) as { bids: string[][]; asks: string[][]; bestBid: string[]; seqId: number });
    assert.ok(views.length >= 1);
    const v = views[0]!;
    assert.equal(v.bids.length, 3);
    assert.equal(v.asks.length, 3);
    assert.ok(Number(v.bids[0]![0]) < Number(v.asks[0]![0]), 'bid below ask');
    assert.deepEqual(v.bestBid, [v.bids[0]![0], v.bids[0]![1]]);
  });

  test('bad flags are typed errors', async () => {
    await assert.rejects(runWatch('ticker', undefined, { sim: true, env: {} }), ValidationError);
    await assert.rejects(runWatch('candles', 'BTC-USDT', { sim: true, bar: '7m', env: {} }), ValidationError);
    await assert.rejects(runWatch('ticker', 'BTC-USDT', { baseUrl: 'not a url', env: {} }), ValidationError);
  });

  test('the commands are registered', () => {
    const program = new Command('okxkit');
    register(program);
    const watch = program.commands.find((c) => c.name() === 'watch')!;
    assert.deepEqual(watch.commands.map((c) => c.name()).sort(), [
      'book',
      'candles',
      'orders',
      'ticker',
      'trades',
    ]);
    const ticker = watch.commands.find((c) => c.name() === 'ticker')!;
    for (const flag of ['--base-url', '--demo', '--json', '--seconds', '--sim'])
      assert.ok(
        ticker.options.some((o) => o.long === flag),
        flag,
      );
  });
});

describe('okxkit watch against the embedded local exchange', () => {
  test('watch ticker --sim --json --seconds', async () => {
    const s = sink();
    const n = await runWatch('ticker', 'BTC-USDT', { sim: true, json: true, seconds: 1, env: {} }, s.out);
    assert.ok(n >= 1);
    assert.equal((JSON.parse(s.lines()[0]!) as { instId: string }).instId, 'BTC-USDT');
  });

  test('watch book with nothing configured uses the local exchange and draws the top of book', async () => {
    const s = sink();
    const n = await runWatch('book', 'ETH-USDT', { seconds: 1, depth: 4, env: {} }, s.out);
    assert.ok(n >= 1);
    const text = s.lines().join('\n');
    assert.match(text, /ETH-USDT {2}seqId \d+ {2}spread [\d.]+ {2}mid [\d.]+/);
  });

  test('watch orders --sim logs in with the local exchange key', async () => {
    const s = sink();
    const n = await runWatch('orders', undefined, { sim: true, json: true, seconds: 0.5, env: {} }, s.out);
    assert.equal(n, 0);
  });
});
