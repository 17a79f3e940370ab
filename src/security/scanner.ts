import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  closeSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { OkxkitError, errorCode } from '../util/errors.js';

/**
 * Secret scanner (docs/REQUIREMENTS.md R26): OKX API keys, secret keys and passphrases, tracked .env files, private
 * keys and other credential-looking values, in the working tree, staged changes or every commit
 * of the history. Findings carry the secret masked (first 4 characters) and a fingerprint (a
 * hash of the value) that an allowlist can name without repeating the secret.
 *
 * Built the way gitleaks is: provider rules with the exact token formats (GitHub, Slack, Stripe,
 * AWS, npm, JWT, credentials in URLs, PEM keys), each behind a keyword prefilter; OKX rules (a UUID
 * key, a 32-hex secret, a passphrase / ccxt `password` / okx-api `apiPass`) and keyword-named
 * generic secrets with an entropy threshold; stopwords (a value that calls itself fake, example,
 * dummy, placeholder... or is a reference such as process.env.X or ${X}); allowlists by path,
 * rule and fingerprint (`.okxkitscanignore`) and a baseline file of accepted findings. Words such
 * as "test" or "sim" inside a value do not make it fake: real keys contain them by chance.
 */

export type RuleId =
  | 'okx-api-key'
  | 'okx-secret-key'
  | 'okx-passphrase'
  | 'dotenv-tracked'
  | 'private-key'
  | 'generic-secret'
  | 'github-token'
  | 'slack-webhook'
  | 'slack-token'
  | 'stripe-key'
  | 'aws-access-key-id'
  | 'aws-secret-key'
  | 'npm-token'
  | 'jwt'
  | 'url-credentials'
  | 'password';

export const RULE_DESCRIPTIONS: Record<RuleId, string> = {
  'okx-api-key': 'OKX API key',
  'okx-secret-key': 'OKX secret key',
  'okx-passphrase': 'OKX API passphrase',
  'dotenv-tracked': '.env file with credentials tracked by git',
  'private-key': 'private key (PEM)',
  'generic-secret': 'credential-looking value',
  'github-token': 'GitHub token',
  'slack-webhook': 'Slack incoming webhook URL',
  'slack-token': 'Slack token',
  'stripe-key': 'Stripe secret or restricted key',
  'aws-access-key-id': 'AWS access key id',
  'aws-secret-key': 'AWS secret access key',
  'npm-token': 'npm access token',
  jwt: 'JSON Web Token',
  'url-credentials': 'password in a URL',
  password: 'password',
};

/**
 * A provider rule: an exact token format behind a keyword prefilter (the regex only runs on a
 * line holding one of the keywords, lower-cased), as gitleaks does. `group` is the capture
 * holding the secret (0: the whole match).
 */
interface ProviderRule {
  id: RuleId;
  keywords: string[];
  re: RegExp;
  group?: number;
  /** Minimum Shannon entropy of the secret (bits per character). */
  entropy?: number;
}

export const PROVIDER_RULES: readonly ProviderRule[] = [
  {
    id: 'github-token',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    re: /\b(gh[pousr]_[A-Za-z0-9]{36})\b/g,
    group: 1,
  },
  { id: 'github-token', keywords: ['github_pat_'], re: /\b(github_pat_[A-Za-z0-9_]{82})\b/g, group: 1 },
  {
    id: 'slack-webhook',
    keywords: ['hooks.slack.com'],
    re: /https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9+/]{43,56}|https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{8,12}\/B[A-Z0-9]{8,12}\/[A-Za-z0-9]{24}/g,
  },
  { id: 'slack-token', keywords: ['xox'], re: /\b(xox[baprs]-[0-9]{10,13}-[0-9A-Za-z-]{10,})\b/g, group: 1 },
  {
    id: 'stripe-key',
    keywords: ['sk_', 'rk_'],
    re: /\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99})\b/g,
    group: 1,
  },
  {
    id: 'aws-access-key-id',
    keywords: ['akia', 'asia', 'abia', 'acca'],
    re: /\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/g,
    group: 1,
  },
  {
    id: 'aws-secret-key',
    keywords: ['aws', 'secret_access_key', 'secretaccesskey'],
    re: /(?:aws_?secret_?access_?key|secretaccesskey|aws_?secret(?:_?key)?)["']?\s*(?:[:=]|=>)\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
    entropy: 3.5,
  },
  { id: 'npm-token', keywords: ['npm_'], re: /\b(npm_[A-Za-z0-9]{36})\b/g, group: 1 },
  {
    id: 'npm-token',
    keywords: ['_authtoken', '_auth'],
    re: /:_auth(?:Token)?\s*=\s*["']?([A-Za-z0-9+/=_.-]{20,})/g,
    group: 1,
    entropy: 3,
  },
  {
    id: 'jwt',
    keywords: ['eyj'],
    re: /\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})/g,
    group: 1,
  },
  {
    id: 'url-credentials',
    keywords: ['://'],
    re: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@"'`]{1,64}:([^\s@/"'`]{3,128})@[A-Za-z0-9.-]+/g,
    group: 1,
  },
];

/** OKX publishes these in its authentication docs; they sign nothing real. */
const KNOWN_PUBLIC_VALUES = new Set(['22582BD0CFF14C41EDBF1AB98506286D']);

/** One suspected secret the scanner found: rule, file, line, commit (history scans) the masked value (first 4 characters) and a fingerprint. */
export interface Finding {
  rule: RuleId;
  file: string;
  line: number;
  /** Commit that added the line (history scans). */
  commit?: string;
  /** First 4 characters and ****. */
  masked: string;
  /** sha256 of the value, 16 hex: stable across files and commits, safe to write down. */
  fingerprint: string;
}

/** The secret scan could not run (code SCAN_FAILED), the hint says what to do. */
export class ScanError extends OkxkitError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'SCAN_FAILED', hint });
  }
}

const UUID = /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g;
const HEX32 = /\b[0-9A-F]{32}\b/g;
const SECRET_WORD = /secret/i;
const PEM = /-----BEGIN ((?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----/;
/** Values that announce themselves as not real: stopwords anywhere in the value. */
const FAKE = /fake|example|dummy|placeholder|changeme|change[_-]me|redacted|masked|notreal|not[_-]a[_-]real/i;
/** Template text a user replaces: a real value pasted beside it is still real. */
const PLACEHOLDER =
  /^x+$|xxxx|\*\*\*\*|your[_-]|<[^>]*>|\.\.\.|^\[.*\]$|^(none|null|nil|true|false|undefined|string|required|optional|todo|tbd|secret|password|passphrase|token|pass|pwd|pw|user|username)$/i;
/** Values that point elsewhere rather than hold a secret. */
const REFERENCE = /^\$\{|^\$[A-Za-z_]|\{\{|process\.env|os\.environ|getenv|^env\.|^env\[|^secrets\./i;
const GENERIC_KEY =
  /secret|token|passw(?:or)?d|pwd|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth[_-]?key/i;
/** Key names that hold a name, a path, a location or an id, not the secret itself (token_uri, secretName...). */
const NOT_A_SECRET_KEY =
  /(?:_|-|\b|[a-z])(?:uri|url|urls|name|names|path|paths|file|files|dir|id|ids|ref|type|kind|length|len|count|ttl|expiry|expires|expiresat|endpoint|header|field|env|var|arn|version|hash|address|contract|mint)$/i;
const CONFIG_EXT =
  /\.(env|ya?ml|ini|cfg|conf|properties|toml|txt|sh|bash|zsh|json|npmrc|netrc|pgpass|tfvars)$|^\.env|^\.npmrc$|^\.netrc$|^\.pgpass$|history$|^credentials$|^config$|^Dockerfile|\.dockerfile$|^Procfile$/i;

const ASSIGN =
  /([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::=|=>|=|:)\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`$]*)`|([^\s"'`,;#)}\]]+))/g;

interface Assignment {
  key: string;
  value: string;
  quoted: boolean;
}

/** `KEY=value` / `key: value` as .env and YAML write them: the rest of the line, minus a ` # comment`. */
const CONFIG_LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*([^"'`\s].*)$/;

function assignments(line: string, bareOk: boolean): Assignment[] {
  const out: Assignment[] = [];
  const c = bareOk ? CONFIG_LINE.exec(line) : null;
  if (c) out.push({ key: c[1]!, value: c[2]!.replace(/\s+#.*$/, '').trim(), quoted: false });
  for (const m of line.matchAll(ASSIGN)) {
    const quotedValue = m[2] ?? m[3] ?? m[4];
    out.push({ key: m[1]!, value: quotedValue ?? m[5] ?? '', quoted: quotedValue !== undefined });
  }
  return out;
}

export function maskSecret(value: string): string {
  return value.length >= 8 ? `${value.slice(0, 4)}****` : '****';
}

export function fingerprint(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 16);
}

function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function looksReal(value: string): boolean {
  return (
    value.length > 0 &&
    !FAKE.test(value) &&
    !PLACEHOLDER.test(value) &&
    !REFERENCE.test(value) &&
    !KNOWN_PUBLIC_VALUES.has(value)
  );
}

/** A value that names a file or a location rather than holding a secret. */
function looksLikePath(v: string): boolean {
  return (
    /^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:\\)/.test(v) ||
    /\/secrets?\//i.test(v) ||
    /\.(?:json|pem|key|txt|ya?ml|p12|pfx|crt|env)$/i.test(v) ||
    /^[a-z][a-z0-9+.-]*:\/\/[^@]*$/i.test(v)
  );
}

export function isDotEnvFile(file: string): boolean {
  const b = basename(file);
  return /^\.env(\..+)?$/.test(b) && !/\.(example|sample|template|dist|defaults?)$/i.test(b);
}

interface Hit {
  rule: RuleId;
  value: string;
}

// long: a list of detection rules, each a short block, applied in order to one line
/**
 * Rules for one line. `bareOk`: config-style files, where unquoted values are values; in source
 * files a bare word after `:` is usually a type or an identifier.
 */
export function scanLine(line: string, opts: { bareOk: boolean; nextLine?: string }): Hit[] {
  if (line.length > 4000 || /okxkit-scan:\s*allow/.test(line)) return [];
  const hits: Hit[] = [];
  const add = (rule: RuleId, value: string) => {
    if (!hits.some((h) => h.value === value)) hits.push({ rule, value });
  };
  const pem = PEM.exec(line);
  if (pem) add('private-key', opts.nextLine?.trim() || pem[0]);

  // Provider rules: exact formats behind keyword prefilters.
  const lower = line.toLowerCase();
  for (const rule of PROVIDER_RULES) {
    if (!rule.keywords.some((k) => lower.includes(k))) continue;
    rule.re.lastIndex = 0;
    for (const m of line.matchAll(rule.re)) {
      const v = m[rule.group ?? 0] ?? '';
      if (!v || REFERENCE.test(v) || PLACEHOLDER.test(v) || FAKE.test(v)) continue;
      if (rule.entropy !== undefined && shannonEntropy(v) < rule.entropy) continue;
      add(rule.id, v);
    }
  }

  for (const a of [...assignments(line, opts.bareOk), ...dockerEnv(line)]) {
    if (!a.quoted && !opts.bareOk) continue;
    const v = a.value;
    if (!looksReal(v) || hits.some((h) => h.value === v || v.includes(h.value))) continue;
    const k = a.key.replace(/^.*\./, '');
    // Identifiers and the OK-ACCESS-* header names; a kebab-case key is a label, not a variable.
    const named = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /^ok-access-/i.test(k);
    const token = !/\s/.test(v);
    if (named && token && /^(okx_?)?api_?key$|^ok-access-key$|^okx\w*api_?key$/i.test(k) && v.length >= 8)
      add('okx-api-key', v);
    else if (
      named &&
      token &&
      /^(okx_?)?(?:api_?)?secret(?:_?key)?$|^ok-access-secret$|^okx\w*secret|^apiSecret$/i.test(k) &&
      v.length >= 8 &&
      !looksLikePath(v)
    )
      add('okx-secret-key', v);
    // Passphrases may hold spaces (kept byte for byte, R5); under 8 characters a value is more
    // likely a word or a flag than a passphrase. okx-api calls it apiPass; ccxt, password.
    else if (
      named &&
      /passphrase$|^ok-access-passphrase$|^api_?pass$/i.test(k) &&
      v.length >= 8 &&
      v.length <= 64 &&
      !looksLikePath(v)
    )
      add('okx-passphrase', v);
    else if (
      named &&
      /^(?:\w*_)?(?:password|passwd|pwd)$|Password$/i.test(k) &&
      v.length >= 8 &&
      v.length <= 128 &&
      token &&
      !looksLikePath(v) &&
      shannonEntropy(v) >= 2.5 &&
      !/^[a-z]+$/.test(v)
    )
      add('password', v);
    else if (
      GENERIC_KEY.test(k) &&
      !NOT_A_SECRET_KEY.test(k) &&
      v.length >= 16 &&
      token &&
      !looksLikePath(v) &&
      !/^0x[0-9a-fA-F]{40}$/.test(v) &&
      !UUID_EXACT.test(v) &&
      shannonEntropy(v) >= 3.5 &&
      !/^[a-z]+(?:[A-Z][a-z]+)*$/.test(v)
    ) {
      add('generic-secret', v);
    }
  }
  // OK-ACCESS-KEY header values (curl -H, raw HTTP).
  if (/ok-access-key/i.test(line))
    for (const m of line.matchAll(UUID)) if (looksReal(m[0])) add('okx-api-key', m[0]);
  if (SECRET_WORD.test(line))
    for (const m of line.matchAll(HEX32)) if (looksReal(m[0])) add('okx-secret-key', m[0]);
  return hits;
}

const UUID_EXACT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Dockerfile `ENV NAME=value` / `ENV NAME value` / `ARG NAME=value`: unquoted values are values. */
function dockerEnv(line: string): Assignment[] {
  const m = /^\s*(?:ENV|ARG)\s+(.*)$/.exec(line);
  if (!m) return [];
  const rest = m[1]!;
  const out: Assignment[] = [];
  const spaced = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=\s].*)$/.exec(rest);
  if (spaced && !spaced[1]!.includes('=')) {
    out.push({ key: spaced[1]!, value: spaced[2]!.trim().replace(/^["']|["']$/g, ''), quoted: true });
    return out;
  }
  for (const p of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|'([^']*)'|(\S+))/g))
    out.push({ key: p[1]!, value: p[2] ?? p[3] ?? p[4] ?? '', quoted: true });
  return out;
}

/**
 * The OKX rule across lines: a UUID key beside a 32-hex secret (and usually a passphrase) is an
 * OKX credential set even when no line names it (a pasted note, a chat log, a CSV row).
 */
function okxTriples(lines: { line: number; text: string }[]): { index: number; value: string }[] {
  const out: { index: number; value: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    for (const m of lines[i]!.text.matchAll(UUID)) {
      if (!looksReal(m[0])) continue;
      let secret = false;
      for (let j = Math.max(0, i - 3); j <= Math.min(lines.length - 1, i + 3) && !secret; j++) {
        for (const h of lines[j]!.text.matchAll(HEX32)) if (looksReal(h[0])) secret = true;
      }
      if (secret) out.push({ index: i, value: m[0] });
    }
  }
  return out;
}

export interface Allowlist {
  fingerprints: Set<string>;
  globs: RegExp[];
  /** Rules switched off (`rule:<id>`). */
  rules?: Set<string>;
  /** Accepted findings from a baseline file: `<rule>:<file>:<fingerprint>`. */
  baseline?: Set<string>;
}

export const EMPTY_ALLOWLIST: Allowlist = { fingerprints: new Set(), globs: [] };

/** gitignore-style glob: `**` any depth, `*` within a segment; no slash = any directory. */
export function globToRegExp(glob: string): RegExp {
  let g = glob.trim().replace(/^\.\//, '');
  const anchored = g.includes('/');
  g = g.replace(/^\//, '');
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*' && g[i + 1] === '*') {
      re += '.*';
      i++;
      if (g[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  if (g.endsWith('/')) re += '.*';
  return new RegExp(anchored ? `^${re}$` : `(^|/)${re}$`);
}

/**
 * Reads an allowlist file (`.okxkitscanignore`): one entry per line, `#` comments; an entry is a
 * fingerprint (`fingerprint:<16 hex>` or the bare hex) or a path glob (`path:<glob>` or bare).
 */
export function parseAllowlist(text: string): Allowlist {
  const list: Allowlist = { fingerprints: new Set(), globs: [] };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const fp = /^(?:fingerprint:)?([0-9a-f]{16})$/i.exec(line);
    const rule = /^rule:([a-z0-9-]+)$/i.exec(line);
    if (fp) list.fingerprints.add(fp[1]!.toLowerCase());
    else if (rule) (list.rules ??= new Set()).add(rule[1]!.toLowerCase());
    else list.globs.push(globToRegExp(line.replace(/^path:/, '')));
  }
  return list;
}

export function loadAllowlist(path: string): Allowlist {
  if (!existsSync(path)) return EMPTY_ALLOWLIST;
  return parseAllowlist(readFileSync(path, 'utf8'));
}

function allowed(list: Allowlist, file: string, fp: string, rule?: string): boolean {
  return (
    list.fingerprints.has(fp) ||
    list.globs.some((g) => g.test(file)) ||
    (rule !== undefined &&
      (list.rules?.has(rule) === true || list.baseline?.has(`${rule}:${file}:${fp}`) === true))
  );
}

/**
 * A baseline: the JSON report of an earlier `okxkit scan --json` (or a list of findings). Its
 * findings are accepted (known, being rotated out); only new ones fail the scan, as with
 * gitleaks' --baseline-path.
 */
export function loadBaseline(path: string, into: Allowlist = EMPTY_ALLOWLIST): Allowlist {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ScanError(
      `baseline ${path} cannot be read (${errorCode(err) ?? 'not JSON'})`,
      'write it with `okxkit scan --json > baseline.json`',
    );
  }
  const list = Array.isArray(raw) ? raw : (raw as { findings?: unknown[] }).findings;
  if (!Array.isArray(list))
    throw new ScanError(`baseline ${path} holds no findings`, 'write it with `okxkit scan --json`');
  const baseline = new Set(into.baseline);
  for (const f of list as Partial<Finding>[])
    if (f && typeof f.rule === 'string' && typeof f.file === 'string' && typeof f.fingerprint === 'string')
      baseline.add(`${f.rule}:${f.file}:${f.fingerprint}`);
  return { ...into, baseline };
}

/** The allowlist as committed at HEAD (for the staged scan: a staged edit must not silence itself). */
export function loadAllowlistAtHead(root: string, name = '.okxkitscanignore'): Allowlist {
  const r = git(resolve(root), ['show', `HEAD:${name}`]);
  return r.ok ? parseAllowlist(r.out) : EMPTY_ALLOWLIST;
}

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage']);
const LOCKFILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'Cargo.lock',
  'poetry.lock',
  'Pipfile.lock',
  'composer.lock',
  'Gemfile.lock',
  'go.sum',
]);
const BINARY_EXT =
  /\.(png|jpe?g|gif|webp|ico|pdf|zip|gz|tgz|bz2|xz|7z|jar|class|so|dylib|dll|exe|wasm|woff2?|ttf|otf|eot|mp[34]|mov|sqlite|db)$/i;

/** Paths the scanner never reads: dependencies, build output, git internals, lockfiles, binaries. */
export function isSkippedPath(file: string): boolean {
  const parts = file.split(/[\\/]/);
  if (parts.some((p) => SKIP_DIRS.has(p))) return true;
  const b = parts.at(-1) ?? '';
  return LOCKFILES.has(b) || b.endsWith('.lock') || BINARY_EXT.test(b);
}

function isBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8000).includes(0);
}

/**
 * A passphrase cannot say it is fake; in the same record as a key or secret that does (a test
 * fixture's credential set, within two lines), it is fake too. A placeholder beside it ("<your
 * key>", "xxxx") does not count: a real passphrase is often pasted next to a template line.
 */
function fakeContext(lines: { text: string }[], i: number): boolean {
  for (let j = Math.max(0, i - 2); j <= Math.min(lines.length - 1, i + 2); j++) {
    if (assignments(lines[j]!.text, true).some((a) => /key|secret/i.test(a.key) && FAKE.test(a.value)))
      return true;
  }
  return false;
}

/** Scans a file's lines; `file` is the path reported (relative to the scan root). */
export function scanLines(
  lines: { line: number; text: string }[],
  file: string,
  allowlist: Allowlist = EMPTY_ALLOWLIST,
  commit?: string,
): Finding[] {
  const bareOk = CONFIG_EXT.test(basename(file));
  const out: Finding[] = [];
  const triples = okxTriples(lines);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const hits = scanLine(l.text, { bareOk, nextLine: lines[i + 1]?.text });
    // .netrc: `machine host login user password secret`, space-separated.
    if (/^[._]netrc$/.test(basename(file)))
      for (const m of l.text.matchAll(/\bpassword\s+(\S+)/g))
        if (looksReal(m[1]!)) hits.push({ rule: 'password', value: m[1]! });
    for (const t of triples)
      if (t.index === i && !hits.some((h) => h.value === t.value))
        hits.push({ rule: 'okx-api-key', value: t.value });
    for (const h of hits) {
      // A passphrase or password is a plain phrase that cannot say it is fake itself; beside
      // values that do (a fixture's credential record), it is fake too.
      if (
        (h.rule === 'okx-passphrase' || h.rule === 'password' || h.rule === 'generic-secret') &&
        fakeContext(lines, i)
      )
        continue;
      const fp = fingerprint(h.value);
      if (allowed(allowlist, file, fp, h.rule)) continue;
      const f: Finding = { rule: h.rule, file, line: l.line, masked: maskSecret(h.value), fingerprint: fp };
      if (commit) f.commit = commit;
      out.push(f);
    }
  }
  return out;
}

export function scanText(text: string, file: string, allowlist: Allowlist = EMPTY_ALLOWLIST): Finding[] {
  return scanLines(
    text.split(/\r?\n/).map((t, i) => ({ line: i + 1, text: t })),
    file,
    allowlist,
  );
}

function git(root: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { ok: r.status === 0, out: r.stdout ?? '' };
}

export function isGitRepo(root: string): boolean {
  return git(root, ['rev-parse', '--is-inside-work-tree']).out.trim() === 'true';
}

function walk(root: string, dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(root, join(dir, e.name), out);
    } else if (e.isFile()) out.push(relative(root, join(dir, e.name)).split(sep).join('/'));
  }
}

/** Options of a secret scan: an allowlist of accepted findings and the largest file to read (bytes). */
export interface ScanOptions {
  allowlist?: Allowlist;
  /** Files larger than this are skipped (default 2 MB). */
  maxFileBytes?: number;
}

/** The result of a secret scan: the findings and how many files (and commits) were scanned. */
export interface ScanReport {
  findings: Finding[];
  filesScanned: number;
  commitsScanned?: number;
}

function readHead(path: string, max: number): Buffer | undefined {
  const st = statSync(path);
  if (!st.isFile() || st.size > max) return undefined;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(st.size);
    readSync(fd, buf, 0, st.size, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/**
 * Scans the files under `target`. In a git repository it reads tracked files and untracked ones
 * that are not ignored (a gitignored .env is where secrets belong during development); a
 * tracked .env with credentials is itself a finding.
 */
export function scanWorkingTree(target: string, opts: ScanOptions = {}): ScanReport {
  const root = resolve(target);
  if (!existsSync(root))
    throw new ScanError(`nothing to scan at ${target}`, 'pass an existing file or directory');
  const allowlist = opts.allowlist ?? EMPTY_ALLOWLIST;
  const max = opts.maxFileBytes ?? 2 * 1024 * 1024;
  let files: string[];
  let tracked = new Set<string>();
  const single = statSync(root).isFile();
  const base = single ? resolve(root, '..') : root;
  if (single) files = [basename(root)];
  else if (isGitRepo(root)) {
    const ls = git(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard'])
      .out.split('\0')
      .filter(Boolean);
    files = [...new Set(ls)];
    tracked = new Set(git(root, ['ls-files', '-z', '--cached']).out.split('\0').filter(Boolean));
  } else {
    files = [];
    walk(root, root, files);
  }
  const findings: Finding[] = [];
  let filesScanned = 0;
  for (const file of files.sort()) {
    if (isSkippedPath(file)) continue;
    let buf: Buffer | undefined;
    try {
      buf = readHead(join(base, file), max);
    } catch {
      continue; // deleted in the working tree, or unreadable
    }
    if (!buf || isBinary(buf)) continue;
    filesScanned++;
    const found = scanText(buf.toString('utf8'), file, allowlist);
    if (isDotEnvFile(file) && tracked.has(file) && found.length) {
      const fp = fingerprint(`dotenv:${file}`);
      if (!allowed(allowlist, file, fp, 'dotenv-tracked'))
        findings.push({ rule: 'dotenv-tracked', file, line: 1, masked: basename(file), fingerprint: fp });
    }
    findings.push(...found);
  }
  return { findings, filesScanned };
}

/**
 * Reads a unified diff (as `git log -p` or `git diff` print it, with --unified=0) line by line
 * and scans each file's added lines with their new line numbers. Hunk headers give line counts,
 * so an added line that happens to start with "+++" is still content.
 */
async function scanDiffStream(
  lines: AsyncIterable<string>,
  allowlist: Allowlist,
  onCommit: () => void,
): Promise<{ findings: Finding[]; files: number }> {
  const findings: Finding[] = [];
  let commit: string | undefined;
  let file: string | undefined;
  let added: { line: number; text: string }[] = [];
  let newLine = 0;
  let oldLeft = 0;
  let newLeft = 0;
  let files = 0;
  const flush = () => {
    if (file && added.length && !isSkippedPath(file)) {
      files++;
      const found = scanLines(added, file, allowlist, commit);
      if (isDotEnvFile(file) && found.length) {
        const fp = fingerprint(`dotenv:${file}`);
        if (!allowed(allowlist, file, fp, 'dotenv-tracked')) {
          const f: Finding = {
            rule: 'dotenv-tracked',
            file,
            line: added[0]!.line,
            masked: basename(file),
            fingerprint: fp,
          };
          if (commit) f.commit = commit;
          findings.push(f);
        }
      }
      findings.push(...found);
    }
    added = [];
  };
  for await (const line of lines) {
    if (oldLeft > 0 || newLeft > 0) {
      const c = line[0];
      if (c === '+') {
        added.push({ line: newLine++, text: line.slice(1) });
        newLeft--;
        continue;
      }
      if (c === '-') {
        oldLeft--;
        continue;
      }
      if (c === ' ') {
        newLine++;
        oldLeft--;
        newLeft--;
        continue;
      }
      if (c === '\\') continue;
      oldLeft = newLeft = 0;
    }
    if (line.startsWith('\0commit ') || line.startsWith('commit ')) {
      flush();
      file = undefined;
      commit = line.slice(line.indexOf('commit ') + 7).trim();
      onCommit();
    } else if (line.startsWith('diff --git ')) {
      flush();
      file = undefined;
    } else if (line.startsWith('+++ ')) {
      const p = line.slice(4);
      file = p === '/dev/null' ? undefined : p.replace(/^b\//, '').replace(/^"(.*)"$/, '$1');
    } else if (line.startsWith('@@ ')) {
      const m = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (m) {
        oldLeft = m[1] === undefined ? 1 : Number(m[1]);
        newLine = Number(m[2]);
        newLeft = m[3] === undefined ? 1 : Number(m[3]);
      }
    }
  }
  flush();
  return { findings, files };
}

async function scanGitDiff(
  root: string,
  args: string[],
  allowlist: Allowlist,
): Promise<{ findings: Finding[]; files: number; commits: number }> {
  if (!isGitRepo(root))
    throw new ScanError(
      `${root} is not a git repository`,
      'run the history or staged scan inside a git work tree',
    );
  const child = spawn('git', ['-c', 'core.quotepath=off', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString('utf8');
  });
  const exited = new Promise<number>((res) => child.on('close', (code) => res(code ?? 1)));
  let commits = 0;
  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  const r = await scanDiffStream(rl, allowlist, () => commits++);
  const code = await exited;
  // An empty repository has no commits to log: nothing to scan, not an error.
  if (code !== 0 && !/does not have any commits|bad default revision/.test(stderr)) {
    throw new ScanError(`git ${args[0]} failed: ${stderr.trim().split('\n')[0] ?? code}`);
  }
  return { ...r, commits };
}

/** Every line ever added in any commit reachable from any ref, streamed from `git log -p --all`. */
export async function scanHistory(root: string, opts: ScanOptions = {}): Promise<ScanReport> {
  const r = await scanGitDiff(
    resolve(root),
    [
      'log',
      '-p',
      '--all',
      // A merge's own changes (a conflict resolution can add a secret): its diff against the first parent.
      '--diff-merges=first-parent',
      '--no-color',
      '--no-ext-diff',
      '--unified=0',
      '--no-renames',
      '--format=%x00commit %H',
    ],
    opts.allowlist ?? EMPTY_ALLOWLIST,
  );
  // A line that reached a merge from its branch shows in both diffs: report it once, first seen.
  const seen = new Set<string>();
  const findings = r.findings.filter((f) => {
    const k = `${f.rule}:${f.file}:${f.fingerprint}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { findings, filesScanned: r.files, commitsScanned: r.commits };
}

/** The lines a commit would add: what is staged in the index. */
export async function scanStaged(root: string, opts: ScanOptions = {}): Promise<ScanReport> {
  const r = await scanGitDiff(
    resolve(root),
    ['diff', '--cached', '--no-color', '--no-ext-diff', '--unified=0', '--no-renames', '--diff-filter=ACMR'],
    opts.allowlist ?? EMPTY_ALLOWLIST,
  );
  return { findings: r.findings, filesScanned: r.files };
}

export const HOOK_MARKER = '# okxkit-secret-scan';

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes a pre-commit hook that scans the staged changes and blocks the commit on findings.
 * `command` is how to run okxkit (argv, e.g. ["node", "/path/bin/okxkit.js"]); an existing hook
 * that is not ours is kept unless `force`.
 */
export function installPreCommitHook(
  root: string,
  opts: { command: string[]; force?: boolean; raw?: boolean },
): string {
  const r = git(resolve(root), ['rev-parse', '--git-path', 'hooks']);
  if (!r.ok)
    throw new ScanError(
      `${root} is not a git repository`,
      'run `okxkit scan --install-hook` inside the repository',
    );
  const hooksDir = isAbsolute(r.out.trim()) ? r.out.trim() : join(resolve(root), r.out.trim());
  mkdirSync(hooksDir, { recursive: true });
  const hook = join(hooksDir, 'pre-commit');
  if (existsSync(hook) && !readFileSync(hook, 'utf8').includes(HOOK_MARKER) && !opts.force) {
    throw new ScanError(
      `${hook} exists and was not written by okxkit`,
      'add `okxkit scan --staged` to it yourself, or pass --force to replace it',
    );
  }
  // `raw`: the command is one shell string given by the user (e.g. "npx okxkit").
  const cmd = `${opts.raw ? opts.command.join(' ') : opts.command.map(shellQuote).join(' ')} scan --staged`;
  const script = `#!/bin/sh
${HOOK_MARKER}
# Blocks a commit whose staged changes add credentials. A reviewed false positive goes in
# .okxkitscanignore (by fingerprint or path); a real key must be removed and rotated.
${cmd}
status=$?
if [ "$status" -ne 0 ]; then
  echo "okxkit: commit blocked by the secret scan (exit $status)." >&2
fi
exit $status
`;
  writeFileSync(hook, script, { mode: 0o755 });
  chmodSync(hook, 0o755);
  return hook;
}

export function formatFinding(f: Finding): string {
  const where = `${f.file}:${f.line}`;
  return `${f.commit ? `${f.commit.slice(0, 12)} ` : ''}${where}  ${f.rule} (${RULE_DESCRIPTIONS[f.rule]})  ${f.masked}  fingerprint:${f.fingerprint}`;
}
