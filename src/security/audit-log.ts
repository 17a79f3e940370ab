import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { systemClock, type Clock } from '../util/clock.js';
import { OkxkitError, ValidationError } from '../util/errors.js';
import { withFileLock } from './file-lock.js';

/**
 * A tamper-evident audit trail (docs/REQUIREMENTS.md R20): append-only JSON lines, each record hash-chained to the
 * one before it. Editing, deleting, inserting or reordering a line breaks the chain, and
 * `verifyAuditLog` names the line and what is wrong.
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
  hash: string;
}

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
  const { hash: _hash, ...rest } = record as AuditRecord;
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

/** Reads the last complete line of a file without loading all of it. */
function lastLine(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    let chunk = 4096;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const text = buf.toString('utf8').replace(/\n+$/, '');
      const nl = text.lastIndexOf('\n');
      if (nl >= 0 || start === 0) return text.slice(nl + 1);
      chunk *= 4;
    }
  } finally {
    closeSync(fd);
  }
}

export interface AuditLogOptions {
  clock?: Clock;
  /** Default operator when an entry names none: the OS user. */
  operator?: string;
}

/**
 * Appends hash-chained records. Each append re-reads the last record, so several processes
 * (a bot and the CLI) can share one file; each write is O_APPEND and fsync'd before returning.
 */
export class AuditLog {
  readonly path: string;
  readonly #clock: Clock;
  readonly #operator: string;

  constructor(path: string, opts: AuditLogOptions = {}) {
    this.path = path;
    this.#clock = opts.clock ?? systemClock;
    this.#operator = opts.operator ?? defaultOperator();
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
    // Read-then-append under a lock: two writers must not both chain onto the same record.
    return withFileLock(this.path, () => {
      const prev = this.#last();
      const base: Omit<AuditRecord, 'hash'> = {
        seq: prev ? prev.seq + 1 : 1,
        ts: new Date(this.#clock.now()).toISOString(),
        operator: entry.operator?.trim() || this.#operator,
        action: entry.action,
        details: entry.details ?? {},
        why,
        prevHash: prev ? prev.hash : GENESIS_HASH,
      };
      const record: AuditRecord = { ...base, hash: hashRecord(base) };
      const fd = openSync(this.path, 'a', 0o600);
      try {
        writeSync(fd, `${canonicalJson(record)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return record;
    });
  }

  #last(): AuditRecord | undefined {
    const line = lastLine(this.path);
    if (line === undefined || line.trim() === '') return undefined;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new AuditLogError(
        `${this.path}: the last line is not a JSON record`,
        `run \`okxkit audit verify ${this.path}\``,
      );
    }
    const r = rec as Partial<AuditRecord>;
    if (typeof r.seq !== 'number' || typeof r.hash !== 'string' || hashRecord(r as AuditRecord) !== r.hash) {
      throw new AuditLogError(
        `${this.path}: the last record does not match its hash; refusing to extend a tampered log`,
        `run \`okxkit audit verify ${this.path}\``,
      );
    }
    return r as AuditRecord;
  }
}

export type AuditProblemKind =
  'malformed' | 'edited' | 'deleted' | 'inserted' | 'reordered' | 'chain-broken' | 'head-mismatch';

export interface AuditProblem {
  /** 1-based line number in the file. */
  line: number;
  kind: AuditProblemKind;
  message: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  records: number;
  problems: AuditProblem[];
  /** Hash of the last record: keep it elsewhere to detect a truncated tail later. */
  headHash: string | undefined;
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

/**
 * Checks every line: its own hash (edits), its link to the line before (insertions, edits that
 * re-hashed a line), and the sequence numbers (deletions, reordering). Keeps going after a
 * problem so one run names every damaged line. A deleted tail is only visible against a head
 * hash kept elsewhere (`expectHead`).
 */
export function verifyAuditLog(text: string, opts: { expectHead?: string } = {}): AuditVerifyResult {
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
  return { ok: problems.length === 0, records, problems, headHash };
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
    throw new AuditLogError(
      `cannot read audit log ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'check the path',
    );
  }
}

export function verifyAuditLogFile(path: string, opts: { expectHead?: string } = {}): AuditVerifyResult {
  return verifyAuditLog(readAuditLogFile(path), opts);
}
