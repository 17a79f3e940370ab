import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

// The README's code is the examples/ files, verbatim; each example runs against the embedded local exchange.
const readme = readFileSync('README.md', 'utf8');

test('the README embeds every example verbatim', () => {
  const files = readdirSync('examples').filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 2);
  for (const f of files) {
    // The marker, blank lines (prettier adds one), then the fenced block.
    const m = new RegExp(`<!-- example: examples/${f.replace('.', '\\.')} -->\\n+\`\`\`ts\\n`).exec(readme);
    assert.ok(m, `README has no block for examples/${f}`);
    const start = m.index + m[0].length;
    const block = readme.slice(start, readme.indexOf('```', start));
    assert.equal(block, readFileSync(`examples/${f}`, 'utf8'), `README block differs from examples/${f}`);
  }
});

const run = (file: string) =>
  execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 60_000 });

test('quick start: ticker, balance, place, look up by clOrdId, cancel', () => {
  const out = run('examples/quick-start.ts');
  assert.match(out, /BTC-USDT last \d+(\.\d+)?; USDT available \d+/);
  assert.match(out, /order \d+ is live/);
  assert.match(out, /after cancel: canceled/);
});

test('order book example: a verified live book with a positive spread', () => {
  const out = run('examples/order-book.ts');
  const m = /best bid (\d+\.?\d*) x [\d.]+, best ask (\d+\.?\d*) x [\d.]+, spread ([\d.]+)/.exec(out);
  assert.ok(m, out);
  assert.ok(Number(m[2]) > Number(m[1]));
  assert.match(out, /resyncs: 0/);
});
