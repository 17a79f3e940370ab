// Issue 11 item 5: an audit trail that cannot be quietly rewritten. Each attack below passed
// `audit verify` on the old hash chain unless the operator had kept the head hash by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/util/clock.js';
import {
  AuditLog,
  AuditLogError,
  GENESIS_HASH,
  hashRecord,
  verifyAuditLogFile,
  type AuditCheckpoint,
  type AuditRecord,
} from '../../src/security/audit-log.js';

function tempLog(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-anchor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'audit.jsonl');
}

function writeFour(path: string, opts: { onCheckpoint?: (cp: AuditCheckpoint) => void } = {}): AuditLog {
  const clock = new ManualClock(Date.parse('2026-03-01T10:00:00.000Z'));
  const log = new AuditLog(path, { clock, operator: 'alice', ...opts });
  log.append({ action: 'key.added', details: { profile: 'grid' }, why: 'new grid bot' });
  clock.advance(1000);
  log.append({ action: 'risk.limits_changed', details: { maxNotional: '500' }, why: 'smaller size' });
  clock.advance(1000);
  log.append({ action: 'bot.started', details: { bot: 'grid-1' } });
  clock.advance(1000);
  log.append({ action: 'bot.stopped', details: { bot: 'grid-1' } });
  return log;
}

const recs = (p: string): AuditRecord[] =>
  readFileSync(p, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditRecord);
const save = (p: string, rs: unknown[]) =>
  writeFileSync(p, `${rs.map((r) => JSON.stringify(r)).join('\n')}\n`);
const kinds = (p: string) => verifyAuditLogFile(p).problems.map((x) => x.kind);

/** Re-chains records from the first one: every hash and prevHash recomputed, as an attacker would. */
function rechain(rs: AuditRecord[]): AuditRecord[] {
  let prev = GENESIS_HASH;
  return rs.map((r, i) => {
    const x: AuditRecord = { ...r, seq: i + 1, prevHash: prev };
    x.hash = hashRecord(x);
    prev = x.hash;
    return x;
  });
}

test('records are signed and a signed checkpoint follows each append, in a file beside the log', (t) => {
  const path = tempLog(t);
  const seen: AuditCheckpoint[] = [];
  writeFour(path, { onCheckpoint: (cp) => seen.push(cp) });
  const r = verifyAuditLogFile(path);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.equal(r.signed, 4);
  assert.equal(r.checkpoints, 4);
  assert.deepEqual(
    seen.map((c) => c.count),
    [1, 2, 3, 4],
  );
  assert.equal(seen[3]!.head, r.headHash);
  assert.equal(statSync(`${path}.key`).mode & 0o777, 0o600);
  assert.ok(existsSync(`${path}.checkpoints`));
  for (const rec of recs(path)) assert.match(rec.sig ?? '', /^[A-Za-z0-9+/]+=*$/);
});

test('an edit re-chained to the end is detected without a kept head hash', (t) => {
  const path = tempLog(t);
  writeFour(path);
  const rs = recs(path);
  rs[1]!.details = { maxNotional: '50000' };
  save(path, rechain(rs));
  const r = verifyAuditLogFile(path);
  assert.equal(r.ok, false);
  assert.ok(kinds(path).includes('forged'), JSON.stringify(r.problems));
  assert.ok(kinds(path).includes('checkpoint'), 'the checkpoints name the rewritten head');
});

test('a truncated tail, an emptied log and a deleted log are detected', (t) => {
  const path = tempLog(t);
  writeFour(path);
  const rs = recs(path);
  save(path, rs.slice(0, 2));
  assert.ok(kinds(path).includes('truncated'));
  writeFileSync(path, '');
  assert.ok(kinds(path).includes('truncated'));
  rmSync(path);
  assert.equal(verifyAuditLogFile(path).ok, false);
  assert.ok(kinds(path).includes('truncated'));
});

test('a forged record appended without the key is detected', (t) => {
  const path = tempLog(t);
  writeFour(path);
  const rs = recs(path);
  const last = rs.at(-1)!;
  const forged: AuditRecord = {
    ...last,
    seq: last.seq + 1,
    action: 'key.removed',
    details: { profile: 'grid' },
    prevHash: last.hash,
    sig: undefined,
  };
  forged.hash = hashRecord(forged);
  delete forged.sig;
  save(path, [...rs, forged]);
  assert.ok(kinds(path).includes('forged'));
  // Copying a real signature onto it does not help either.
  save(path, [...rs, { ...forged, sig: last.sig }]);
  assert.ok(kinds(path).includes('forged'));
});

test('a log replaced by another validly chained (and signed) log is detected by the checkpoints', (t) => {
  const path = tempLog(t);
  writeFour(path);
  const checkpoints = readFileSync(`${path}.checkpoints`, 'utf8');
  // An attacker builds a fresh log elsewhere with its own key and copies it over the log only.
  const other = tempLog(t);
  writeFour(other);
  writeFileSync(path, readFileSync(other, 'utf8'));
  assert.equal(readFileSync(`${path}.checkpoints`, 'utf8'), checkpoints);
  const k = kinds(path);
  assert.ok(k.includes('forged'), k.join());
  // ...and also copies the other log's key files: the checkpoints still belong to the first key.
  writeFileSync(`${path}.pub`, readFileSync(`${other}.pub`));
  writeFileSync(`${path}.key`, readFileSync(`${other}.key`));
  assert.ok(kinds(path).includes('checkpoint'));
});

test('append refuses a log that fails verification anywhere, not only at its last line', (t) => {
  const path = tempLog(t);
  const log = writeFour(path);
  const good = readFileSync(path, 'utf8');
  const rs = recs(path);
  rs[0]!.details = { profile: 'other' };
  save(path, rechain(rs));
  assert.throws(() => log.append({ action: 'bot.started' }), AuditLogError);
  writeFileSync(path, good);
  const cut = good.trimEnd().split('\n').slice(0, 3).join('\n') + '\n';
  writeFileSync(path, cut);
  assert.throws(() => log.append({ action: 'bot.started' }), /refusing to extend/);
  writeFileSync(path, good);
  assert.equal(log.append({ action: 'bot.started' }).seq, 5);
  // A signed log whose key went missing is not silently re-keyed.
  rmSync(`${path}.key`);
  assert.throws(() => log.append({ action: 'bot.started' }), /key .* is missing/);
});
