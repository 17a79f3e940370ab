import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as edSign,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto';
import { userInfo } from 'node:os';
import { systemClock, type Clock } from '../util/clock.js';
import { OkxkitError, ValidationError, errorCode } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { withFileLock } from './file-lock.js';

/**
 * A tamper-evident audit trail (docs/REQUIREMENTS.md R20): append-only JSON lines, each record hash-chained to the
 * one before it. Editing, deleting, inserting or reordering a line breaks the chain, and
 * `verifyAuditLog` names the line and what is wrong.
 *
 * Anchored (issue 11): each record is signed with an Ed25519 key kept in a file beside the log
 * (`<log>.key`, 0600; its public half in `<log>.pub`), and after each append a signed checkpoint
 * (record count + head hash) goes to a second file, `<log>.checkpoints`. So without any state kept
 * by hand: an edited and re-chained record fails its signature, a forged appended record has no
 * valid signature, a cut tail or an emptied / deleted log is shorter than the last checkpoint,
 * and a log swapped for another chain does not match the checkpoints. What it cannot stop: someone
 * who can read the key file (the same OS user) can rewrite log, checkpoints and all; an external
 * copy of the checkpoints (the `onCheckpoint` hook, e.g. a webhook) or a pinned public key
 * (`publicKey`) is needed against that.
 */

export interface AuditRecord {
  seq: number;
  /** ISO-8601 UTC with milliseconds. */
  ts: string;
  operator: string;
  action: string;
  details: Record<string, unknown>;
  why: string;
  prevHash: string;
  /** Id of the signing key (first 16 hex of SHA-256 of its public key); part of the hash. */
  keyId?: string;
  hash: string;
  /** Ed25519 signature (base64) over `hash`; not part of the hash. */
  sig?: string;
}

/** A signed statement that the log had `count` records ending in `head`, kept outside the log. */
export interface AuditCheckpoint {
  count: number;
  head: string;
  ts: string;
  keyId: string;
  /** Ed25519 signature (base64) over the canonical JSON of the other fields. */
  sig: string;
}

/** One action to record in the audit log: what was done, details, why and by whom. Never put a secret in it. */
export interface AuditEntry {
  action: string;
  details?: Record<string, unknown>;
  why?: string;
  operator?: string;
}

/** prevHash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** Actions okxkit itself records; other layers may add their own dotted names. */
export const AUDIT_ACTIONS = {
  keyAdded: 'key.added',
  keyRotated: 'key.rotated',
  keyRemoved: 'key.removed',
  riskLimitsChanged: 'risk.limits_changed',
  riskTripped: 'risk.tripped',
  botStarted: 'bot.started',
  botStopped: 'bot.stopped',
  killSwitchEngaged: 'killswitch.engaged',
  killSwitchReleased: 'killswitch.released',
  safetyOverride: 'safety.override',
} as const;

/** Prefixes of actions that change what a key or a limit allows: a justification is mandatory. */
const JUSTIFIED_PREFIXES = ['key.', 'risk.', 'killswitch.', 'safety.'];

export function requiresJustification(action: string): boolean {
  return JUSTIFIED_PREFIXES.some((p) => action.startsWith(p));
}

const ACTION_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/** The audit log cannot be read, written or signed (code AUDIT_LOG); the hint says what to fix. */
export class AuditLogError extends OkxkitError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'AUDIT_LOG', hint });
  }
}

/** JSON with object keys sorted at every depth: the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new AuditLogError('audit details: numbers must be finite');
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function hashRecord(record: Omit<AuditRecord, 'hash'> | AuditRecord): string {
  const { hash: _hash, sig: _sig, ...rest } = record as AuditRecord;
  return createHash('sha256').update(canonicalJson(rest), 'utf8').digest('hex');
}

export function defaultOperator(env: Record<string, string | undefined> = process.env): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    /* no passwd entry (some containers): fall back to the environment */
  }
  return env.USER ?? env.USERNAME ?? 'unknown';
}

/** Options of `AuditLog`: clock, default operator and the Ed25519 signing key file. */
export interface AuditLogOptions {
  clock?: Clock;
  /** Default operator when an entry names none: the OS user. */
  operator?: string;
  /** Ed25519 private key file (PKCS#8 PEM, 0600); created on first append. Default `<log>.key`. */
  keyPath?: string;
  /** Signed checkpoints file. Default `<log>.checkpoints`. */
  checkpointPath?: string;
  /** A checkpoint after every n-th record (default 1: after each). */
  checkpointEvery?: number;
  /** Called with each checkpoint once written (copy it off the machine, e.g. to a webhook). */
  onCheckpoint?: (cp: AuditCheckpoint) => void;
}

/** Paths of the anchor files of a log. */
export function anchorPaths(logPath: string): { key: string; pub: string; checkpoints: string } {
  return { key: `${logPath}.key`, pub: `${logPath}.pub`, checkpoints: `${logPath}.checkpoints` };
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

function checkpointPayload(cp: Omit<AuditCheckpoint, 'sig'>): string {
  return canonicalJson({ count: cp.count, head: cp.head, ts: cp.ts, keyId: cp.keyId });
}

function appendLine(path: string, line: string): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Loads a log's public key: `<log>.pub`, else derived from `<log>.key`; undefined when neither exists. */
export function loadAuditPublicKey(logPath: string): KeyObject | undefined {
  const { key, pub } = anchorPaths(logPath);
  try {
    if (existsSync(pub)) return createPublicKey(readFileSync(pub, 'utf8'));
    if (existsSync(key)) return createPublicKey(createPrivateKey(readFileSync(key, 'utf8')));
  } catch {
    throw new AuditLogError(
      `${logPath}: the audit key file is unreadable or damaged`,
      'restore it from a backup',
    );
  }
  return undefined;
}

/**
 * Appends signed, hash-chained records and a signed checkpoint after each. Each append first
 * verifies the whole log against its key and checkpoints and refuses one that fails anywhere.
 * Several processes (a bot and the CLI) can share one file: read-verify-append runs under a lock;
 * each write is O_APPEND and fsync'd before returning.
 */
export class AuditLog {
  readonly path: string;
  readonly #clock: Clock;
  readonly #operator: string;
  readonly #keyPath: string;
  readonly #pubPath: string;
  readonly #checkpointPath: string;
  readonly #every: number;
  readonly #onCheckpoint: ((cp: AuditCheckpoint) => void) | undefined;

  constructor(path: string, opts: AuditLogOptions = {}) {
    this.path = path;
    this.#clock = opts.clock ?? systemClock;
    this.#operator = opts.operator ?? defaultOperator();
    const a = anchorPaths(path);
    this.#keyPath = opts.keyPath ?? a.key;
    this.#pubPath = opts.keyPath ? `${opts.keyPath}.pub` : a.pub;
    this.#checkpointPath = opts.checkpointPath ?? a.checkpoints;
    this.#every = opts.checkpointEvery ?? 1;
    if (!Number.isInteger(this.#every) || this.#every < 1)
      throw new ValidationError('checkpointEvery', `${this.#every} is not a positive whole number`);
    this.#onCheckpoint = opts.onCheckpoint;
  }

  append(entry: AuditEntry): AuditRecord {
    if (!entry.action || !ACTION_PATTERN.test(entry.action)) {
      throw new ValidationError(
        'action',
        `"${String(entry.action)}" is not an audit action name`,
        'use dotted lower-case names such as key.added',
      );
    }
    const why = (entry.why ?? '').trim();
    if (!why && requiresJustification(entry.action)) {
      throw new ValidationError(
        'why',
        `a justification is required for ${entry.action}`,
        'pass --why "<reason>"',
      );
    }
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    // Read-verify-append under a lock: two writers must not both chain onto the same record.
    return withFileLock(
      this.path,
      () => {
        const text = existsSync(this.path) ? readFileSync(this.path, 'utf8') : '';
        const checkpoints = existsSync(this.#checkpointPath)
          ? readFileSync(this.#checkpointPath, 'utf8')
          : '';
        const key = this.#signingKey(text, checkpoints);
        const publicKey = createPublicKey(key);
        const keyId = keyIdOf(publicKey);
        const check = verifyAuditLog(text, { publicKey, checkpoints, checkpointEvery: this.#every });
        if (!check.ok) {
          throw new AuditLogError(
            `${this.path} fails verification (${check.problems[0]!.message}${check.problems.length > 1 ? `, and ${check.problems.length - 1} more` : ''}); refusing to extend a tampered log`,
            `run \`okxkit audit verify ${this.path}\``,
          );
        }
        const prev = check.last;
        const base: Omit<AuditRecord, 'hash'> = {
          seq: prev ? prev.seq + 1 : 1,
          ts: new Date(this.#clock.now()).toISOString(),
          operator: entry.operator?.trim() || this.#operator,
          action: entry.action,
          details: entry.details ?? {},
          why,
          prevHash: prev ? prev.hash : GENESIS_HASH,
          keyId,
        };
        const hash = hashRecord(base);
        const record: AuditRecord = {
          ...base,
          hash,
          sig: edSign(null, Buffer.from(hash), key).toString('base64'),
        };
        appendLine(this.path, canonicalJson(record));
        const count = check.records + 1;
        if (count % this.#every === 0) {
          const cpBase = { count, head: hash, ts: record.ts, keyId };
          const cp: AuditCheckpoint = {
            ...cpBase,
            sig: edSign(null, Buffer.from(checkpointPayload(cpBase)), key).toString('base64'),
          };
          appendLine(this.#checkpointPath, canonicalJson(cp));
          try {
            this.#onCheckpoint?.(cp);
          } catch {
            /* an external copy failing must not lose the record; the local checkpoint is written */
          }
        }
        return record;
        // Verification reads the whole log under the lock: give busy writers time.
      },
      { timeoutMs: 30_000 },
    );
  }

  /** The signing key: loaded, or created for a log that has never been signed. */
  #signingKey(text: string, checkpoints: string): KeyObject {
    if (existsSync(this.#keyPath)) {
      try {
        return createPrivateKey(readFileSync(this.#keyPath, 'utf8'));
      } catch {
        throw new AuditLogError(
          `${this.#keyPath}: the audit signing key is unreadable or damaged`,
          'restore it from a backup',
        );
      }
    }
    if (checkpoints.trim() !== '' || /"sig":/.test(text)) {
      throw new AuditLogError(
        `${this.path} is signed but its key ${this.#keyPath} is missing; refusing to start a new key over a signed log`,
        'restore the key file from a backup',
      );
    }
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileAtomic(this.#keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o600);
    writeFileAtomic(this.#pubPath, publicKey.export({ type: 'spki', format: 'pem' }), 0o644);
    return privateKey;
  }
}

export type AuditProblemKind =
  | 'malformed'
  | 'edited'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'chain-broken'
  | 'head-mismatch'
  | 'forged'
  | 'truncated'
  | 'checkpoint';

/** One problem `verifyAuditLog` found: the line, what kind (malformed, edited, deleted ...) and a message. */
export interface AuditProblem {
  /** 1-based line number in the file. */
  line: number;
  kind: AuditProblemKind;
  message: string;
}

/** The outcome of `verifyAuditLog`: ok or not, records checked, the problems, and the head hash to keep elsewhere. */
export interface AuditVerifyResult {
  ok: boolean;
  records: number;
  problems: AuditProblem[];
  /** Hash of the last record: keep it elsewhere to detect a truncated tail later. */
  headHash: string | undefined;
  /** The last record, if any. */
  last?: AuditRecord;
  /** Records whose signature was checked (0 when no key was given). */
  signed: number;
  /** Checkpoints that were checked. */
  checkpoints: number;
}

export interface AuditVerifyOptions {
  expectHead?: string;
  /** The log's Ed25519 public key: every record after the first signed one must carry a valid signature. */
  publicKey?: KeyObject;
  /** Text of the checkpoints file. */
  checkpoints?: string;
  /** Records may run at most this many past the last checkpoint minus one (default 1). */
  checkpointEvery?: number;
}

const FIELDS: [keyof AuditRecord, string][] = [
  ['seq', 'number'],
  ['ts', 'string'],
  ['operator', 'string'],
  ['action', 'string'],
  ['details', 'object'],
  ['why', 'string'],
  ['prevHash', 'string'],
  ['hash', 'string'],
];

/** Parses a log's text into records (null for unreadable lines) with their line numbers. */
export function parseAuditLog(text: string): { line: number; record: AuditRecord | null; error?: string }[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((raw, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return { line: i + 1, record: null, error: 'not valid JSON' };
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return { line: i + 1, record: null, error: 'not a JSON object' };
    for (const [k, t] of FIELDS) {
      const v = (parsed as Record<string, unknown>)[k];
      if (typeof v !== t || v === null)
        return { line: i + 1, record: null, error: `field "${k}" missing or not a ${t}` };
    }
    return { line: i + 1, record: parsed as AuditRecord };
  });
}

// long: one pass over the records sharing the seq/line index; each check is a few lines and reports into the same problem list
/**
 * Checks every line: its own hash (edits), its link to the line before (insertions, edits that
 * re-hashed a line), and the sequence numbers (deletions, reordering). Keeps going after a
 * problem so one run names every damaged line. A deleted tail is only visible against a head
 * hash kept elsewhere (`expectHead`).
 */
export function verifyAuditLog(text: string, opts: AuditVerifyOptions = {}): AuditVerifyResult {
  const rows = parseAuditLog(text);
  const problems: AuditProblem[] = [];
  // First occurrence of each seq, with its line: the chain is checked against the record a line
  // names as its predecessor, so one moved line is reported once, not as a cascade.
  const bySeq = new Map<number, { line: number; record: AuditRecord }>();
  for (const r of rows)
    if (r.record && !bySeq.has(r.record.seq)) bySeq.set(r.record.seq, { line: r.line, record: r.record });
  const seen = new Set<number>();
  let maxSeq = 0;
  let records = 0;
  let last: AuditRecord | undefined;
  for (const row of rows) {
    if (!row.record) {
      problems.push({ line: row.line, kind: 'malformed', message: `line ${row.line}: ${row.error}` });
      continue;
    }
    records++;
    const r = row.record;
    const where = `line ${row.line} (seq ${r.seq})`;
    const selfOk = hashRecord(r) === r.hash;
    if (!selfOk)
      problems.push({
        line: row.line,
        kind: 'edited',
        message: `${where}: content does not match its hash: the line was edited`,
      });
    const expected = maxSeq + 1;
    if (seen.has(r.seq)) {
      problems.push({
        line: row.line,
        kind: 'inserted',
        message: `${where}: seq ${r.seq} already appeared on line ${bySeq.get(r.seq)?.line}: a line was inserted or duplicated`,
      });
    } else if (r.seq > expected) {
      const missing: number[] = [];
      for (let s = expected; s < r.seq; s++) missing.push(s);
      const later = missing.filter((s) => bySeq.has(s));
      const gone = missing.filter((s) => !bySeq.has(s));
      if (later.length)
        problems.push({
          line: row.line,
          kind: 'reordered',
          message: `${where}: comes before seq ${list(later)}: lines were reordered`,
        });
      if (gone.length)
        problems.push({
          line: row.line,
          kind: 'deleted',
          message: `before line ${row.line}: seq ${list(gone)} missing: ${gone.length === 1 ? 'a line was' : 'lines were'} deleted`,
        });
    } else if (r.seq < expected) {
      problems.push({
        line: row.line,
        kind: 'reordered',
        message: `${where}: comes after seq ${maxSeq}: lines were reordered`,
      });
    }
    if (selfOk && !seen.has(r.seq)) {
      const pred = r.seq === 1 ? undefined : bySeq.get(r.seq - 1);
      if (r.seq === 1 && r.prevHash !== GENESIS_HASH) {
        problems.push({
          line: row.line,
          kind: 'chain-broken',
          message: `${where}: the first record must carry the genesis prevHash: records before it were removed or it was forged`,
        });
      } else if (pred && r.prevHash !== pred.record.hash) {
        problems.push({
          line: row.line,
          kind: 'chain-broken',
          message: `${where}: prevHash does not match seq ${r.seq - 1} on line ${pred.line}: that line was altered and re-hashed, or this one was forged`,
        });
      }
    }
    seen.add(r.seq);
    maxSeq = Math.max(maxSeq, r.seq);
    last = r;
  }
  const headHash = last?.hash;
  if (opts.expectHead && opts.expectHead !== headHash) {
    problems.push({
      line: rows.length,
      kind: 'head-mismatch',
      message: `the last record's hash is ${headHash ?? '(none)'}, expected ${opts.expectHead}: records at the end were removed or added`,
    });
  }
  let signed = 0;
  let checked = 0;
  if (opts.publicKey) {
    const keyId = keyIdOf(opts.publicKey);
    let seenSigned = false;
    for (const row of rows) {
      const r = row.record;
      if (!r) continue;
      const where = `line ${row.line} (seq ${r.seq})`;
      if (r.sig === undefined && r.keyId === undefined && !seenSigned) continue; // records from before signing
      seenSigned = true;
      signed++;
      let valid = false;
      try {
        valid =
          r.keyId === keyId &&
          typeof r.sig === 'string' &&
          hashRecord(r) === r.hash &&
          edVerify(null, Buffer.from(r.hash), opts.publicKey, Buffer.from(r.sig, 'base64'));
      } catch {
        valid = false;
      }
      if (!valid)
        problems.push({
          line: row.line,
          kind: 'forged',
          message: `${where}: ${r.sig === undefined ? 'unsigned record after signed ones' : r.keyId !== keyId ? `signed by another key (${String(r.keyId)})` : 'signature does not verify'}: the record was forged, or edited and re-chained`,
        });
    }
    const cps = parseCheckpoints(opts.checkpoints ?? '');
    let lastCount = 0;
    for (const c of cps) {
      checked++;
      if (!c.cp) {
        problems.push({ line: c.line, kind: 'checkpoint', message: `checkpoint line ${c.line}: ${c.error}` });
        continue;
      }
      const cp = c.cp;
      let valid = false;
      try {
        valid =
          cp.keyId === keyId &&
          edVerify(null, Buffer.from(checkpointPayload(cp)), opts.publicKey, Buffer.from(cp.sig, 'base64'));
      } catch {
        valid = false;
      }
      if (!valid) {
        problems.push({
          line: c.line,
          kind: 'checkpoint',
          message: `checkpoint line ${c.line}: signature does not verify: the checkpoints file was edited`,
        });
        continue;
      }
      if (cp.count < lastCount)
        problems.push({
          line: c.line,
          kind: 'checkpoint',
          message: `checkpoint line ${c.line}: count goes back from ${lastCount} to ${cp.count}`,
        });
      lastCount = Math.max(lastCount, cp.count);
      const at = bySeq.get(cp.count);
      if (cp.count > records)
        problems.push({
          line: rows.length,
          kind: 'truncated',
          message: `a signed checkpoint of ${cp.ts} counts ${cp.count} record(s), the log has ${records}: records were removed (or the log replaced)`,
        });
      else if (!at || at.record.hash !== cp.head)
        problems.push({
          line: at?.line ?? rows.length,
          kind: 'checkpoint',
          message: `seq ${cp.count} does not match the signed checkpoint of ${cp.ts}: the log was rewritten or replaced`,
        });
    }
    const every = opts.checkpointEvery ?? 1;
    if (signed > 0 && records - lastCount >= every)
      problems.push({
        line: rows.length,
        kind: 'checkpoint',
        message: `${records - lastCount} record(s) after the last checkpoint (at ${lastCount}): appended without checkpoints, or the checkpoints file was cut`,
      });
  }
  return {
    ok: problems.length === 0,
    records,
    problems,
    headHash,
    ...(last ? { last } : {}),
    signed,
    checkpoints: checked,
  };
}

function parseCheckpoints(text: string): { line: number; cp?: AuditCheckpoint; error?: string }[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((raw, i) => {
    try {
      const o = JSON.parse(raw) as Partial<AuditCheckpoint>;
      if (
        typeof o.count === 'number' &&
        typeof o.head === 'string' &&
        typeof o.ts === 'string' &&
        typeof o.keyId === 'string' &&
        typeof o.sig === 'string'
      )
        return { line: i + 1, cp: o as AuditCheckpoint };
      return { line: i + 1, error: 'not a checkpoint' };
    } catch {
      return { line: i + 1, error: 'not valid JSON' };
    }
  });
}

function list(seqs: number[]): string {
  const contiguous = seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1);
  return seqs.length > 2 && contiguous ? `${seqs[0]}..${seqs.at(-1)}` : seqs.join(', ');
}

/** The audit log's text, or a typed error naming the path. */
export function readAuditLogFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new AuditLogError(`cannot read audit log ${path} (${errorCode(err) ?? 'error'})`, 'check the path');
  }
}

/**
 * Verifies a log file with its anchors: the public key (`<log>.pub` or the key file, or
 * `opts.publicKey` pinned by the caller) and the checkpoints file. A missing log whose checkpoints
 * exist is a removed log, not an empty one.
 */
export function verifyAuditLogFile(path: string, opts: AuditVerifyOptions = {}): AuditVerifyResult {
  const a = anchorPaths(path);
  const checkpoints =
    opts.checkpoints ?? (existsSync(a.checkpoints) ? readFileSync(a.checkpoints, 'utf8') : undefined);
  const text = !existsSync(path) && checkpoints ? '' : readAuditLogFile(path);
  const publicKey = opts.publicKey ?? loadAuditPublicKey(path);
  const r = verifyAuditLog(text, {
    ...opts,
    ...(publicKey ? { publicKey } : {}),
    ...(checkpoints !== undefined ? { checkpoints } : {}),
  });
  if (!publicKey && (checkpoints || /"sig":/.test(text))) {
    r.problems.push({
      line: 0,
      kind: 'forged',
      message: `the log is signed but its key files (${a.pub}, ${a.key}) are missing: signatures cannot be checked`,
    });
    r.ok = false;
  }
  return r;
}
