import { test } from 'node:test';
import assert from 'node:assert/strict';
import { okxkitCli as okxkit, tempDir } from './helpers.js';

// Issue 10 item 5: with --json, stdout carries JSON only.

test('`okxkit demo --json`: stdout is the summary as JSON only', { timeout: 120_000 }, async (t) => {
  const home = tempDir(t);
  const r = await okxkit(['demo', '--seconds', '3', '--json'], home);
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out) as { kind: string; botId: string };
  assert.equal(summary.kind, 'grid');
  assert.match(r.err, /local exchange at http:\/\/127\.0\.0\.1:\d+/, 'notes and status go to stderr');
});
