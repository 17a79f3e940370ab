import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { createHmac } from 'node:crypto';
import { register as registerKeys } from '../../src/cli/commands/keys.js';
import { register as registerDoctor } from '../../src/cli/commands/doctor.js';
import { register as registerScan } from '../../src/cli/commands/scan.js';
import { register as registerAudit } from '../../src/cli/commands/audit.js';
import { signRequest } from '../../src/protocol/sign.js';
import * as okxkit from '../../src/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string) => readFileSync(resolve(ROOT, p), 'utf8');

function shellWords(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

test('every okxkit command line in docs/SECURITY.md names a real command and real options', () => {
  const program = new Command('okxkit');
  for (const r of [registerKeys, registerDoctor, registerScan, registerAudit]) r(program);
  const blocks = [...read('docs/SECURITY.md').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const lines = blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('okxkit '));
  assert.ok(lines.length >= 12, `found ${lines.length} examples`);
  for (const line of lines) {
    const words = shellWords(line).slice(1);
    let cmd: Command = program;
    while (words.length && !words[0]!.startsWith('-')) {
      const sub = cmd.commands.find((c) => c.name() === words[0]);
      if (!sub) break;
      cmd = sub;
      words.shift();
    }
    assert.notEqual(cmd, program, `${line}: unknown command`);
    for (const w of words.filter((x) => x.startsWith('--'))) {
      assert.ok(
        cmd.options.some((o) => o.long === w),
        `${line}: ${cmd.name()} has no option ${w}`,
      );
    }
  }
});

test('the functions docs/SECURITY.md shows are exported from the package root', () => {
  const doc = read('docs/SECURITY.md');
  const names = [...doc.matchAll(/import \{([^}]+)\} from 'okxkit'/g)].flatMap((m) =>
    m[1]!.split(',').map((s) => s.trim()),
  );
  assert.ok(names.length >= 6);
  for (const n of names) assert.equal(typeof (okxkit as Record<string, unknown>)[n], 'function', n);
});

test('the signing vectors in docs/PROTOCOL-MYTHS.md are right, and the hex digest is not what is sent', () => {
  const doc = read('docs/PROTOCOL-MYTHS.md');
  const secretKey = /secret key OKX publishes in its docs \(`([0-9A-F]{32})`\)/.exec(doc)![1]!;
  const rows = [
    ...doc.matchAll(
      /^\| `(2020-12-08T09:08:57\.715Z)(GET)(\/api\/v5\/[^`]*)` +\| `([A-Za-z0-9+/=]+)` +\|$/gm,
    ),
  ];
  assert.equal(rows.length, 2);
  for (const [, timestamp, method, requestPath, expected] of rows) {
    assert.equal(
      signRequest({
        timestamp: timestamp!,
        method: method as 'GET',
        requestPath: requestPath!,
        body: '',
        secretKey,
      }),
      expected,
    );
    const hex = createHmac('sha256', secretKey).update(`${timestamp}${method}${requestPath}`).digest('hex');
    assert.notEqual(hex, expected);
  }
  const hexShown = /hex digest of the first, `([0-9a-f]{12})…([0-9a-f]{7})`/.exec(doc)!;
  const hexA = createHmac('sha256', secretKey)
    .update('2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC')
    .digest('hex');
  assert.ok(hexA.startsWith(hexShown[1]!) && hexA.endsWith(hexShown[2]!));
});
