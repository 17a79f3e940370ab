import { existsSync, statSync } from 'node:fs';
import { errorInfo } from '../protocol/error-codes.js';
import type { Site } from '../protocol/hosts.js';
import { systemClock, type Clock } from '../util/clock.js';
import { OkxkitError, errorCode } from '../util/errors.js';
import type { AuditLog } from './audit-log.js';
import type { ProfileInfo } from './vault.js';

/**
 * The key audit behind `okxkit doctor` (docs/REQUIREMENTS.md R6, R7, R8): one signed read and one public read tell
 * whether the key works, where it belongs (demo/live, region), what it may do (account/config
 * `perm`, `ip`, docs/OKX-PROTOCOL.md §6), how far the local clock is off, and how fast the exchange answers.
 * Each check passes, warns or fails, and says how to fix it.
 */

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';
/** The id of one check `auditKey` runs on an API key (signature, environment, permissions, IP whitelist, clock ...). */
export type CheckId =
  | 'signature'
  | 'environment'
  | 'permissions'
  | 'ip-whitelist'
  | 'clock'
  | 'key-age'
  | 'latency'
  | 'vault-file';

/** The result of one key check: pass, warn, fail or skip, a message and, when it fails, the fix. */
export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  message: string;
  fix?: string;
  data?: Record<string, unknown>;
}

/** The result of `auditKey`: whether the key is safe, counts of fails and warnings, each check's result and public key facts. */
export interface AuditReport {
  ok: boolean;
  fails: number;
  warns: number;
  results: CheckResult[];
  /** Public facts about the key from account/config: never a secret. */
  account?: { uid?: string; label?: string; perm: string; ip: string; acctLv?: string };
}

/** What the audit needs from a client: OkxClient has this shape. */
export interface AuditClient {
  public: { time(): Promise<number> };
  account: { config(): Promise<unknown> };
}

/** Options of `auditKey`: clock, demo or live, OKX site and the vault profile whose expectations to check. */
export interface AuditOptions {
  clock?: Clock;
  /** Requests go out as demo trading (x-simulated-trading: 1); used to explain 50101. */
  demo?: boolean;
  site?: Site;
  /** The vault profile being audited: its creation date, expected permissions and IPs. */
  profile?: ProfileInfo;
  /** Withdraw permission is explicitly accepted (profile setting or flag). */
  allowWithdraw?: boolean;
  /** Rotation period (docs/REQUIREMENTS.md R3), default 90 days. */
  rotationDays?: number;
  /** Vault file to check the permissions of. */
  vaultPath?: string;
  driftWarnMs?: number;
  driftFailMs?: number;
  latencyWarnMs?: number;
}

const TITLES: Record<CheckId, string> = {
  signature: 'signature accepted',
  environment: 'environment matches',
  permissions: 'key permissions',
  'ip-whitelist': 'IP whitelist',
  clock: 'clock drift',
  'key-age': 'key age',
  latency: 'round-trip latency',
  'vault-file': 'vault file permissions',
};

const NTP_FIX =
  'Sync the system clock with NTP: `sudo timedatectl set-ntp true` (systemd), `sudo chronyc makestep` (chrony), or enable "Set time automatically" (macOS/Windows). okxkit corrects its own requests, other tools will not.';

const DAY_MS = 86_400_000;

function r(
  id: CheckId,
  status: CheckStatus,
  message: string,
  fix?: string,
  data?: Record<string, unknown>,
): CheckResult {
  const out: CheckResult = { id, title: TITLES[id], status, message };
  if (fix) out.fix = fix;
  if (data) out.data = data;
  return out;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function list(s: unknown): string[] {
  return typeof s === 'string'
    ? s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : [];
}

/** The signature check's reading of an OKX auth error (docs/OKX-PROTOCOL.md §4.3). */
function signatureFailure(code: string, err: unknown, opts: AuditOptions): CheckResult[] {
  const other = opts.demo ? 'live' : 'demo';
  switch (code) {
    case '50101':
      return [
        r('signature', 'skip', 'not checked: the key belongs to the other environment'),
        r(
          'environment',
          'fail',
          `OKX 50101: this is a ${other} key, but requests are sent as ${opts.demo ? 'demo' : 'live'} trading`,
          opts.demo
            ? 'This is a live key: turn demo off (unset OKX_DEMO, or set demo=false on the profile with `okxkit keys add --live`), or create a demo key.'
            : 'This is a demo key: turn demo on (OKX_DEMO=1 or --demo, or a demo profile), or create a live key.',
        ),
      ];
    case '50113':
      return [
        r(
          'signature',
          'fail',
          'OKX 50113 Invalid signature: the secret key does not belong to this API key (or the request was signed wrongly)',
          'Re-enter the secret key exactly as OKX showed it (check it was not swapped with the passphrase): `okxkit keys rotate <profile>` or fix OKX_SECRET_KEY.',
        ),
      ];
    case '50105':
      return [
        r(
          'signature',
          'fail',
          'OKX 50105: the passphrase is incorrect',
          'Use the passphrase chosen when the key was created, byte for byte (case, spaces and symbols count). It cannot be recovered: if lost, create a new key.',
        ),
      ];
    case '50111':
    case '50119':
      return [
        r(
          'signature',
          'fail',
          `OKX ${code}: this API key is unknown here (${code === '50119' ? 'deleted or never created' : 'invalid OK-ACCESS-KEY'})`,
          `Check the API key; check the region: EEA accounts (my.okx.com) use eea.okx.com, US accounts (app.okx.com) use us.okx.com (site is ${opts.site ?? 'global'}); a deleted key needs a new one.`,
        ),
      ];
    case '50110':
      return [
        r('signature', 'skip', 'not checked: this IP is not whitelisted for the key'),
        r(
          'ip-whitelist',
          'fail',
          `OKX 50110: ${describe(err)}`,
          "Add this machine's public IP to the key's whitelist on OKX, or run from a whitelisted server.",
        ),
      ];
    case '50102':
    case '50112':
      return [r('signature', 'fail', `OKX ${code}: the request timestamp was rejected`, NTP_FIX)];
    case '50100':
      return [
        r(
          'signature',
          'fail',
          'OKX 50100: the API key is frozen',
          'Contact OKX support, or create a new key and rotate to it.',
        ),
      ];
    default: {
      const info = /^\d+$/.test(code) ? errorInfo(code) : undefined;
      return [
        r(
          'signature',
          'fail',
          `signed GET /api/v5/account/config failed: ${describe(err)}`,
          (err as OkxkitError).hint ?? info?.hint ?? 'Check the base URL, network and proxy.',
        ),
      ];
    }
  }
}

function permissionsCheck(perms: string[], opts: AuditOptions): CheckResult {
  const withdraw = perms.includes('withdraw');
  const trade = perms.includes('trade');
  const data = { perms, withdraw, trade };
  const allow = opts.allowWithdraw === true || opts.profile?.allowWithdraw === true;
  if (withdraw) {
    return allow
      ? r(
          'permissions',
          'warn',
          `${perms.join(',')}: the key CAN WITHDRAW funds (explicitly allowed)`,
          'A trading bot never needs Withdraw: create a Read + Trade key and rotate to it.',
          data,
        )
      : r(
          'permissions',
          'fail',
          `${perms.join(',')}: the key CAN WITHDRAW funds; anyone holding it can empty the account`,
          'On OKX (API management) create a key with Read + Trade only, `okxkit keys rotate <profile>` to it, then delete this key.',
          data,
        );
  }
  const expected = opts.profile?.expectedPerms;
  if (expected && expected.length) {
    const a = [...perms].sort().join(',');
    const e = [...expected].sort().join(',');
    if (a !== e) {
      return r(
        'permissions',
        'warn',
        `the key has ${perms.join(',') || '(none)'}, the profile expects ${expected.join(',')}`,
        'Update the profile or the key so they agree.',
        data,
      );
    }
  }
  return r('permissions', 'pass', `${perms.join(',') || '(none)'} (no withdraw)`, undefined, data);
}

/** 0.0.0.0/0, ::/0, 0.0.0.0, :: and any other range with a /0 prefix. */
export function isWholeInternet(entry: string): boolean {
  const e = entry.trim();
  if (e === '0.0.0.0' || e === '::' || e === '*') return true;
  const m = /^(.+)\/(\d+)$/.exec(e);
  return !!m && Number(m[2]) === 0;
}

function ipCheck(ips: string[], perms: string[], opts: AuditOptions): CheckResult {
  const canAct = perms.includes('trade') || perms.includes('withdraw');
  if (!ips.length) {
    if (!canAct)
      return r(
        'ip-whitelist',
        'pass',
        'read-only key without an IP whitelist (binding IPs is still better)',
        undefined,
        { ips },
      );
    return r(
      'ip-whitelist',
      'warn',
      `no IP whitelist on a ${perms.includes('withdraw') ? 'withdraw' : 'trading'} key: a leaked key works from anywhere${opts.demo ? '' : ', and OKX deletes such keys after 14 days unused'}`,
      "Bind the key to your server's IPs on OKX (up to 20 per key).",
      { ips },
    );
  }
  // A /0 range (0.0.0.0/0, ::/0, or any address with /0) whitelists the whole internet: it looks
  // bound but stops nothing, and it keeps OKX from expiring the key.
  const open = ips.filter(isWholeInternet);
  if (open.length) {
    return r(
      'ip-whitelist',
      'fail',
      `the whitelist ${open.join(', ')} admits every address: a leaked key works from anywhere`,
      "Replace it with your server's own IPs on OKX (up to 20 per key).",
      { ips },
    );
  }
  const expected = opts.profile?.ips;
  if (expected && expected.length && [...expected].sort().join(',') !== [...ips].sort().join(',')) {
    return r(
      'ip-whitelist',
      'warn',
      `bound to ${ips.join(', ')}; the profile lists ${expected.join(', ')}`,
      'Update the profile (`okxkit keys add` / rotate) or the whitelist on OKX.',
      { ips },
    );
  }
  return r('ip-whitelist', 'pass', `bound to ${ips.join(', ')}`, undefined, { ips });
}

function clockCheck(driftMs: number, opts: AuditOptions): CheckResult {
  const warn = opts.driftWarnMs ?? 1000;
  const fail = opts.driftFailMs ?? 10_000;
  const abs = Math.abs(driftMs);
  const dir = driftMs > 0 ? 'behind' : 'ahead of';
  const text = `local clock is ${(abs / 1000).toFixed(3)} s ${dir} OKX`;
  const data = { driftMs: Math.round(driftMs) };
  // OKX rejects REST timestamps outside its window (~30 s, docs/OKX-PROTOCOL.md §9) and WS logins after 30 s.
  if (abs > fail) return r('clock', 'fail', text, NTP_FIX, data);
  if (abs > warn) return r('clock', 'warn', text, NTP_FIX, data);
  return r('clock', 'pass', text, undefined, data);
}

function ageCheck(opts: AuditOptions, now: number): CheckResult {
  const p = opts.profile;
  const days = opts.rotationDays ?? 90;
  if (!p)
    return r(
      'key-age',
      'skip',
      'creation date unknown (not a vault profile)',
      'Store the key in the vault (`okxkit keys add`) to track its age.',
    );
  const age = Math.floor((now - Date.parse(p.createdAt)) / DAY_MS);
  const data = { ageDays: age, rotationDays: days, createdAt: p.createdAt };
  if (age > days) {
    return r(
      'key-age',
      'warn',
      `${age} days old (created ${p.createdAt.slice(0, 10)}); rotation is due every ${days} days`,
      `Create a new key on OKX, run \`okxkit keys rotate ${p.name}\`, then delete the old key on OKX.`,
      data,
    );
  }
  return r('key-age', 'pass', `${age} days old; rotation due in ${days - age} days`, undefined, data);
}

function vaultCheck(path: string | undefined): CheckResult {
  if (!path || !existsSync(path)) return r('vault-file', 'skip', 'no vault in use');
  const mode = statSync(path).mode & 0o777;
  const m = `0${mode.toString(8)}`;
  if (mode & 0o044)
    return r('vault-file', 'fail', `${path} is readable by group/other (mode ${m})`, `chmod 600 ${path}`, {
      mode: m,
    });
  if (mode & 0o033)
    return r(
      'vault-file',
      'warn',
      `${path} is writable or executable by group/other (mode ${m})`,
      `chmod 600 ${path}`,
      { mode: m },
    );
  return r('vault-file', 'pass', `${path} mode ${m}`, undefined, { mode: m });
}

// long: the key checks in the order they depend on each other (signature before permissions, IP, clock), each a short block
/** Runs every check. Network failures become failed checks, never a throw. */
export async function auditKey(client: AuditClient, opts: AuditOptions = {}): Promise<AuditReport> {
  const clock = opts.clock ?? systemClock;
  const results: CheckResult[] = [];
  let publicRtt: number | undefined;
  let clockResult: CheckResult;
  try {
    const t0 = clock.now();
    const server = await client.public.time();
    const t1 = clock.now();
    publicRtt = t1 - t0;
    // The server read its clock about half way through the round trip.
    clockResult = clockCheck(server - (t0 + t1) / 2, opts);
  } catch (err) {
    clockResult = r(
      'clock',
      'fail',
      `cannot read OKX time (GET /api/v5/public/time): ${describe(err)}`,
      'Check the base URL, the network and any proxy.',
    );
  }

  let config: Record<string, unknown> | undefined;
  let signedRtt: number | undefined;
  try {
    const t2 = clock.now();
    const c = await client.account.config();
    signedRtt = clock.now() - t2;
    config = (Array.isArray(c) ? c[0] : c) as Record<string, unknown>;
    if (!config || typeof config !== 'object')
      throw new OkxkitError('account/config returned no data', { code: 'NO_DATA' });
  } catch (err) {
    config = undefined;
    results.push(...signatureFailure(errorCode(err) ?? '', err, opts));
  }

  let account: AuditReport['account'];
  if (config) {
    const perms = list(config.perm);
    const ips = list(config.ip);
    account = { perm: perms.join(','), ip: ips.join(',') };
    for (const k of ['uid', 'label', 'acctLv'] as const)
      if (typeof config[k] === 'string') account[k] = config[k];
    results.push(r('signature', 'pass', 'signed GET /api/v5/account/config accepted'));
    results.push(
      r(
        'environment',
        'pass',
        `the key works on this host as ${opts.demo ? 'demo' : 'live'} trading${opts.site ? ` (site ${opts.site})` : ''}`,
      ),
    );
    results.push(permissionsCheck(perms, opts));
    results.push(ipCheck(ips, perms, opts));
  }
  const has = (id: CheckId) => results.some((x) => x.id === id);
  if (!has('environment'))
    results.push(r('environment', 'skip', 'not checked: needs a successful signed request'));
  if (!has('permissions'))
    results.push(r('permissions', 'skip', 'not checked: needs a successful signed request'));
  if (!has('ip-whitelist'))
    results.push(r('ip-whitelist', 'skip', 'not checked: needs a successful signed request'));
  results.push(clockResult);
  results.push(ageCheck(opts, clock.now()));

  const rtts = [publicRtt, signedRtt].filter((x): x is number => x !== undefined);
  if (!rtts.length) results.push(r('latency', 'skip', 'no request completed'));
  else {
    const worst = Math.max(...rtts);
    const text = `public ${publicRtt ?? '-'} ms, signed ${signedRtt ?? '-'} ms`;
    const limit = opts.latencyWarnMs ?? 1000;
    results.push(
      worst > limit
        ? r(
            'latency',
            'warn',
            `${text} (over ${limit} ms)`,
            'Run closer to OKX (a server in the same region), check the proxy, or use the regional host.',
            { publicMs: publicRtt, signedMs: signedRtt },
          )
        : r('latency', 'pass', text, undefined, { publicMs: publicRtt, signedMs: signedRtt }),
    );
  }
  results.push(vaultCheck(opts.vaultPath));

  const order: CheckId[] = [
    'signature',
    'environment',
    'permissions',
    'ip-whitelist',
    'clock',
    'key-age',
    'latency',
    'vault-file',
  ];
  results.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  const fails = results.filter((x) => x.status === 'fail').length;
  const warns = results.filter((x) => x.status === 'warn').length;
  const report: AuditReport = { ok: fails === 0, fails, warns, results };
  if (account) report.account = account;
  return report;
}

/** The flags that override assertKeySafeToTrade, spelled the same by every command. */
export const WITHDRAW_RISK_FLAG = '--i-understand-withdraw-risk';
export const FORCE_UNSAFE_KEY_FLAG = '--force-unsafe-key';

/** `assertSafeToTrade` refused the key (code KEY_UNSAFE): `failures` lists the checks that failed. */
export class UnsafeKeyError extends OkxkitError {
  readonly failures: CheckResult[];
  constructor(failures: CheckResult[], withdraw: boolean) {
    super(`refusing to trade: ${failures.map((f) => `${f.id}: ${f.message}`).join('; ')}`, {
      code: 'KEY_UNSAFE',
      hint: withdraw
        ? `Use a key without Withdraw permission. To trade anyway, pass ${WITHDRAW_RISK_FLAG} (loudly logged and audited).`
        : `Fix what \`okxkit doctor\` reports. To trade anyway, pass ${FORCE_UNSAFE_KEY_FLAG} (loudly logged and audited).`,
    });
    this.failures = failures;
  }
}

/** Options of `assertSafeToTrade`: which failing checks to accept and where the warning goes. */
export interface SafeToTradeOptions {
  /** Accept a withdraw-enabled key (the --i-understand-withdraw-risk flag). */
  allowWithdraw?: boolean;
  /** Accept other failing checks (the --force-unsafe-key flag). Does not cover withdraw. */
  force?: boolean;
  /** Where the loud warning goes (default stderr). */
  warn?: (text: string) => void;
  /** Records each override as safety.override. */
  auditLog?: AuditLog;
  operator?: string;
}

function banner(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length)) + 6;
  const bar = '!'.repeat(width);
  return `${bar}\n${lines.map((l) => `!! ${l.padEnd(width - 6)} !!`).join('\n')}\n${bar}\n`;
}

/**
 * The gate bots and order placement call before trading. Refuses a withdraw-enabled key unless
 * `allowWithdraw`, and any other failed check unless `force`; every override prints a loud
 * warning and, given an audit log, is recorded there.
 */
export function assertKeySafeToTrade(
  results: CheckResult[] | AuditReport,
  opts: SafeToTradeOptions = {},
): { overridden: CheckResult[] } {
  const list = Array.isArray(results) ? results : results.results;
  const warn = opts.warn ?? ((t: string) => void process.stderr.write(t));
  const perm = list.find((x) => x.id === 'permissions');
  const withdraw = perm?.data?.withdraw === true;
  if (perm?.data && perm.data.trade === false) {
    // No flag makes a read-only key trade: say so before anything is sent (a bot's first request
    // would otherwise be cancel-all-after, refused with 50114).
    throw new OkxkitError(
      `this key cannot trade (read-only): its permissions are ${
        (perm.data.perms as string[] | undefined)?.join(',') || 'read_only'
      }`,
      {
        code: 'KEY_READ_ONLY',
        hint: 'Use a key with the Trade permission (okxkit keys add, or OKX_API_KEY etc.); keep this one for watching.',
      },
    );
  }
  const blocking: CheckResult[] = [];
  const overridden: CheckResult[] = [];
  if (withdraw) (opts.allowWithdraw ? overridden : blocking).push(perm);
  for (const x of list) {
    if (x.status !== 'fail' || x === perm) continue;
    (opts.force ? overridden : blocking).push(x);
  }
  if (blocking.length) throw new UnsafeKeyError(blocking, blocking.includes(perm!) && withdraw);
  if (overridden.length) {
    const lines = ['WARNING: trading with a key that failed its safety audit.'];
    for (const o of overridden) lines.push(`${o.id}: ${o.message}`);
    lines.push(
      withdraw
        ? `Overridden by ${WITHDRAW_RISK_FLAG}: if this key leaks, funds can be withdrawn.`
        : `Overridden by ${FORCE_UNSAFE_KEY_FLAG}.`,
    );
    warn(banner(lines));
    opts.auditLog?.append({
      action: 'safety.override',
      details: {
        checks: overridden.map((o) => o.id),
        flags: [
          ...(withdraw && opts.allowWithdraw ? [WITHDRAW_RISK_FLAG] : []),
          ...(opts.force ? [FORCE_UNSAFE_KEY_FLAG] : []),
        ],
      },
      why: overridden.map((o) => `${o.id}: ${o.message}`).join('; '),
      ...(opts.operator ? { operator: opts.operator } : {}),
    });
  }
  return { overridden };
}

/** auditKey then assertKeySafeToTrade: what a bot runs before its first order. */
export async function checkKeyBeforeTrading(
  client: AuditClient,
  opts: AuditOptions & SafeToTradeOptions = {},
): Promise<AuditReport> {
  const report = await auditKey(client, opts);
  assertKeySafeToTrade(report, opts);
  return report;
}

/** A table for people: one line per check, the fix indented below. */
export function formatAuditReport(report: AuditReport): string {
  const out: string[] = [];
  for (const x of report.results) {
    out.push(`${x.status.toUpperCase().padEnd(5)} ${x.title.padEnd(24)} ${x.message}`);
    if (x.fix && x.status !== 'pass') out.push(`${' '.repeat(6)}fix: ${x.fix}`);
  }
  out.push(
    report.ok
      ? `ok: ${report.warns} warning(s)`
      : `FAILED: ${report.fails} check(s) failed, ${report.warns} warning(s)`,
  );
  return `${out.join('\n')}\n`;
}
