import { test } from 'node:test';
import assert from 'node:assert/strict';
import { okxkitCli as okxkit, tempDir } from './helpers.js';

// Issue 10 item 1: `okxkit kill` / `resume` say which scope they act on.

test('`okxkit kill --all` and `resume --all` say which scope they act on', { timeout: 60_000 }, async (t) => {
  const home = tempDir(t);
  const k = await okxkit(['kill', '--all'], home);
  assert.equal(k.code, 0, k.err);
  assert.match(k.out, /ENGAGED for scope all \(every venue and key\).*no reason given/);
  const r = await okxkit(['resume', '--all', '--why', 'clear'], home);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /released for scope all/);
});
