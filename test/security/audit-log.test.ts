import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ManualClock } from '../../src/util/clock.js';
import { ValidationError } from '../../src/util/errors.js';
import { withFileLock } from '../../src/security/file-lock.js';
import { until } from '../helpers/until.js';
import {
  AuditLog,
  AuditLogError,
  GENESIS_HASH,
  hashRecord,
  verifyAuditLog,
  verifyAuditLogFile,
} from '../../src/security/audit-log.js';

function tempLog(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-audit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'audit.jsonl');
}

function writeFive(path: string): AuditLog {
  const clock = new ManualClock(Date.parse('2026-03-01T10:00:00.000Z'));
  const log = new AuditLog(path, { clock, operator: 'alice' });
  log.append({ action: 'key.added', details: { profile: 'grid', apiKey: 'abcd****' }, why: 'new grid bot' });
  clock.advance(1500);
  log.append({
    action: 'risk.limits_changed',
    details: { maxNotional: '500' },
    why: 'smaller size for a new strategy',
  });
  clock.advance(1);
  log.append({ action: 'bot.started', details: { bot: 'grid-1' } });
  clock.advance(60_000);
  log.append({
    action: 'killswitch.engaged',
    details: { reason: 'manual' },
    why: 'exchange incident',
    operator: 'bob',
  });
  clock.advance(5);
  log.append({ action: 'bot.stopped', details: { bot: 'grid-1' } });
  return log;
}

const lines = (p: string) => readFileSync(p, 'utf8').trimEnd().split('\n');
const save = (p: string, ls: string[]) => writeFileSync(p, `${ls.join('\n')}\n`);

test('records are hash-chained JSON lines with seq, ms timestamps, operator and justification', (t) => {
  const path = tempLog(t);
  writeFive(path);
  const recs = lines(path).map((l) => JSON.parse(l));
  assert.equal(recs.length, 5);
  assert.deepEqual(
    recs.map((r) => r.seq),
    [1, 2, 3, 4, 5],
  );
  assert.equal(recs[0].prevHash, GENESIS_HASH);
  assert.equal(recs[0].ts, '2026-03-01T10:00:00.000Z');
  assert.equal(recs[1].ts, '2026-03-01T10:00:01.500Z');
  assert.equal(recs[0].operator, 'alice');
  assert.equal(recs[3].operator, 'bob');
  assert.equal(recs[1].why, 'smaller size for a new strategy');
  for (let i = 0; i < recs.length; i++) {
    assert.equal(recs[i].hash, hashRecord(recs[i]));
    if (i > 0) assert.equal(recs[i].prevHash, recs[i - 1].hash);
  }
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('an untouched log verifies and reports its head hash', (t) => {
  const path = tempLog(t);
  writeFive(path);
  const r = verifyAuditLogFile(path);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.equal(r.records, 5);
  assert.equal(r.headHash, JSON.parse(lines(path)[4]!).hash);
  assert.equal(verifyAuditLogFile(path, { expectHead: r.headHash }).ok, true);
});

test('an edited line is named', (t) => {
  const path = tempLog(t);
  writeFive(path);
  const ls = lines(path);
  ls[1] = ls[1]!.replace('"500"', '"50000"');
  save(path, ls);
  const r = verifyAuditLogFile(path);
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.kind]),
    [[2, 'edited']],
  );
  assert.match(r.problems[0]!.message, /line 2 .*edited/);
});

test('an edited and re-hashed line is caught by the next line', (t) => {
  const path = tempLog(t);
  writeFive(path);
  const ls = lines(path);
  const rec = JSON.parse(ls[1]!);
  rec.details.maxNotional = '50000';
  rec.hash = hashRecord(rec);
  ls[1] = JSON.stringify(rec);
  save(path, ls);
  const r = verifyAuditLogFile(path);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.kind]),
    [[3, 'chain-broken']],
  );
  assert.match(r.problems[0]!.message, /seq 2 on line 2/);
});

test('a deleted line is named', (t) => {
  const path = tempLog(t);
  writeFive(path);
  const ls = lines(path);
  ls.splice(2, 1);
  save(path, ls);
  const r = verifyAuditLogFile(path);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.kind]),
    [[3, 'deleted']],
  );
  assert.match(r.problems[0]!.message, /seq 3 missing/);
});

test('reordered lines are named', (t) => {
  const path = tempLog(t);
  writeFive(path);
  const ls = lines(path);
  [ls[1], ls[2]] = [ls[2]!, ls[1]!];
  save(path, ls);
  const r = verifyAuditLogFile(path);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.kind]),
    [
      [2, 'reordered'],
      [3, 'reordered'],
    ],
  );
});

test('an inserted line is named, forged or copied', (t) => {
  const path = tempLog(t);
  writeFive(path);
  const ls = lines(path);
  const forged = { ...JSON.parse(ls[1]!), action: 'key.removed', details: { profile: 'grid' } };
  forged.hash = hashRecord(forged);
  ls.splice(2, 0, JSON.stringify(forged));
  save(path, ls);
  const r = verifyAuditLogFile(path);
  assert.equal(r.ok, false);
  assert.ok(
    r.problems.some((p) => p.line === 3 && p.kind === 'inserted'),
    JSON.stringify(r.problems),
  );

  const path2 = tempLog(t);
  writeFive(path2);
  const ls2 = lines(path2);
  ls2.splice(4, 0, ls2[0]!);
  save(path2, ls2);
  const r2 = verifyAuditLogFile(path2);
  assert.deepEqual(
    r2.problems.map((p) => [p.line, p.kind]),
    [[5, 'inserted']],
  );
});

test('a removed tail is caught against a kept head hash; a malformed line is named', (t) => {
  const path = tempLog(t);
  writeFive(path);
  const head = verifyAuditLogFile(path).headHash!;
  const ls = lines(path);
  save(path, ls.slice(0, 4));
  assert.equal(verifyAuditLogFile(path).ok, true);
  const r = verifyAuditLogFile(path, { expectHead: head });
  assert.equal(r.problems[0]!.kind, 'head-mismatch');
  const text = `${ls[0]}\n{not json\n${ls.slice(1).join('\n')}\n`;
  const r2 = verifyAuditLog(text);
  assert.deepEqual(
    r2.problems.map((p) => [p.line, p.kind]),
    [[2, 'malformed']],
  );
});

test('security-relevant actions need a justification; bad action names are refused', (t) => {
  const log = new AuditLog(tempLog(t), { operator: 'alice' });
  assert.throws(
    () => log.append({ action: 'key.rotated', details: {} }),
    (e: unknown) => e instanceof ValidationError && e.field === 'why',
  );
  assert.throws(() => log.append({ action: 'killswitch.engaged', why: '   ' }), ValidationError);
  assert.throws(
    () => log.append({ action: 'Not An Action' }),
    (e: unknown) => e instanceof ValidationError && e.field === 'action',
  );
  assert.equal(log.append({ action: 'bot.started' }).seq, 1);
});

test('appending to a log whose last record was tampered with is refused', (t) => {
  const path = tempLog(t);
  const log = writeFive(path);
  const ls = lines(path);
  ls[4] = ls[4]!.replace('grid-1', 'grid-2');
  save(path, ls);
  assert.throws(() => log.append({ action: 'bot.started' }), AuditLogError);
});

test('appends from several processes at once form one intact chain', async (t) => {
  const path = tempLog(t);
  const dir = dirname(path);
  const script = join(dir, 'writer.mts');
  const mod = pathToFileURL(
    join(dirname(fileURLToPath(import.meta.url)), '../../src/security/audit-log.ts'),
  ).href;
  // Each writer reports ready, waits for "go", then appends as fast as it can: real contention.
  writeFileSync(
    script,
    [
      `import { existsSync, writeFileSync } from 'node:fs';`,
      `import { AuditLog } from '${mod}';`,
      `const [path, n, dir] = process.argv.slice(2);`,
      `writeFileSync(dir + '/ready-' + n, '');`,
      `while (!existsSync(dir + '/go')) await new Promise((r) => setTimeout(r, 5));`,
      `const log = new AuditLog(path, { operator: 'w' + n });`,
      `for (let i = 0; i < 40; i++) log.append({ action: 'bot.started', details: { i } });`,
      '',
    ].join('\n'),
  );
  const loader = import.meta.resolve('tsx');
  const run = (n: number) =>
    new Promise<number>((res) =>
      spawn(process.execPath, ['--import', loader, script, path, String(n), dir], { stdio: 'ignore' }).on(
        'close',
        (c) => res(c ?? 1),
      ),
    );
  const done = Promise.all([run(1), run(2), run(3)]);
  await until(
    () => [1, 2, 3].every((n) => existsSync(join(dir, `ready-${n}`))),
    60_000,
    'three writers ready',
  );
  writeFileSync(join(dir, 'go'), '');
  assert.deepEqual(await done, [0, 0, 0]);
  const r = verifyAuditLogFile(path);
  assert.equal(r.ok, true, JSON.stringify(r.problems.slice(0, 3)));
  assert.equal(r.records, 120);
  assert.equal(new Set(lines(path).map((l) => JSON.parse(l).operator)).size, 3);
});

test('a lock left by a crashed process is taken over; a live one times out with a typed error', (t) => {
  const path = tempLog(t);
  writeFileSync(`${path}.lock`, '99999');
  const old = new Date(Date.now() - 120_000);
  utimesSync(`${path}.lock`, old, old);
  new AuditLog(path).append({ action: 'bot.started' });
  assert.equal(verifyAuditLogFile(path).records, 1);
  writeFileSync(`${path}.lock`, '99999');
  assert.throws(
    () => withFileLock(path, () => 1, { timeoutMs: 50 }),
    (e: unknown) => (e as { code?: string }).code === 'LOCKED',
  );
});
