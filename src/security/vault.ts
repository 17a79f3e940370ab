import {
  createCipheriv,
  createHash,
  createDecipheriv,
  createHmac,
  randomBytes,
  scrypt as scryptCb,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { isIP } from 'node:net';
import { Credentials } from '../client/credentials.js';
import type { Site } from '../protocol/hosts.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { systemClock, type Clock } from '../util/clock.js';
import { OkxkitError, ValidationError, errorCode } from '../util/errors.js';
import { maskKey } from '../util/logger.js';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { canonicalJson } from './audit-log.js';
import { withFileLock } from './file-lock.js';

/**
 * The credentials vault (docs/REQUIREMENTS.md R2, R3): named profiles, one OKX key each, encrypted at rest.
 *
 * File layout (JSON): a header `{format, version, kdf, cipher, check}` and `{ciphertext, tag}`.
 * - KDF: scrypt (memory-hard), written at OWASP's recommended cost N = 2^17, r = 8, p = 1 (files
 *   at N >= 2^15 still open), a fresh random salt on every write.
 * - Cipher: AES-256-GCM, a fresh 12-byte IV on every write; the canonical header is the AAD,
 *   so changing the KDF parameters, salt or IV is detected like any other edit.
 * - check: an HMAC of a constant under a second derived key. It tells a wrong passphrase apart
 *   from a damaged file without decrypting, and gives a guesser nothing the GCM tag does not.
 * - integrity (version 2): SHA-256 of everything else in the file. It needs no passphrase, so an
 *   edited salt, check or KDF parameter is reported as corruption, not as a wrong passphrase.
 *   It is not a defence against a forger (who can recompute it): GCM is.
 * Secrets live only inside the ciphertext; errors name fields and profiles, never values.
 */

export const VAULT_FORMAT = 'okxkit-vault';
export const VAULT_VERSION = 2;
/** Versions this okxkit reads: 1 (no integrity digest) and 2. */
const READABLE_VERSIONS = [1, 2];
/** The lowest scrypt cost a vault file may use (older files); new writes use DEFAULT_SCRYPT_N. */
export const MIN_SCRYPT_N = 2 ** 15;
/** OWASP Password Storage Cheat Sheet: scrypt N = 2^17 (128 MiB), r = 8, p = 1. */
export const DEFAULT_SCRYPT_N = 2 ** 17;
/** A new vault passphrase needs this many characters and a zxcvbn score of at least MIN_PASSPHRASE_SCORE. */
export const MIN_PASSPHRASE_LENGTH = 12;
export const MIN_PASSPHRASE_SCORE = 3;
const MAX_SCRYPT_N = 2 ** 20;
let strength: ZxcvbnFactory | undefined;

/** The vault passphrase was rejected as too weak (only when creating a vault or changing it). */
export class WeakPassphraseError extends ValidationError {
  constructor(reason: string) {
    super(
      'vault passphrase',
      `is too weak: ${reason}`,
      `use at least ${MIN_PASSPHRASE_LENGTH} characters that are hard to guess, e.g. four or five random words`,
    );
  }
}

/**
 * Rejects a weak new vault passphrase: shorter than MIN_PASSPHRASE_LENGTH, or a zxcvbn strength
 * score below MIN_PASSPHRASE_SCORE (common passwords, keyboard walks, repeats, dates...).
 */
export function checkPassphraseStrength(passphrase: string, userInputs: string[] = []): void {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH)
    throw new WeakPassphraseError(`shorter than ${MIN_PASSPHRASE_LENGTH} characters`);
  strength ??= new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs });
  const r = strength.check(passphrase, ['okxkit', 'okx', 'vault', ...userInputs]);
  if (r.score < MIN_PASSPHRASE_SCORE) {
    const why = r.feedback.warning || 'easy to guess';
    throw new WeakPassphraseError(`${why} (strength ${r.score}/4, needs ${MIN_PASSPHRASE_SCORE})`);
  }
}
const CHECK_LABEL = 'okxkit-vault-passphrase-check';
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const PERMS = ['read_only', 'trade', 'withdraw'] as const;
const SITES: readonly Site[] = ['global', 'eea', 'us'];
const DAY_MS = 86_400_000;

export type KeyPermission = (typeof PERMS)[number];

export class VaultError extends OkxkitError {
  constructor(message: string, code: string, hint?: string) {
    super(message, { code, hint });
  }
}
/** The passphrase does not open this vault. */
export class VaultPassphraseError extends VaultError {
  constructor(path: string) {
    super(
      `wrong vault passphrase for ${path}`,
      'VAULT_PASSPHRASE',
      'Check OKXKIT_VAULT_PASSPHRASE or the passphrase you typed; the vault cannot be opened without it.',
    );
  }
}
/** The file is not an intact vault: truncated, edited, or not a vault at all. Nothing is returned from it. */
export class VaultCorruptError extends VaultError {
  constructor(path: string, detail: string) {
    super(
      `vault ${path} is damaged: ${detail}`,
      'VAULT_CORRUPT',
      'Restore the vault from a backup, or move it aside and add the keys again.',
    );
  }
}
export class VaultNotFoundError extends VaultError {
  constructor(path: string) {
    super(
      `no vault at ${path}`,
      'VAULT_NOT_FOUND',
      'Create one with `okxkit keys add <profile>`, or point --vault / OKXKIT_VAULT at an existing vault.',
    );
  }
}
export class ProfileNotFoundError extends VaultError {
  constructor(name: string, known: string[]) {
    super(
      `no profile "${name}" in the vault`,
      'PROFILE_NOT_FOUND',
      known.length
        ? `Known profiles: ${known.join(', ')}.`
        : 'The vault is empty: add one with `okxkit keys add <profile>`.',
    );
  }
}
export class ProfileExistsError extends VaultError {
  constructor(name: string) {
    super(
      `profile "${name}" already exists`,
      'PROFILE_EXISTS',
      `Use \`okxkit keys rotate ${name}\` to replace its key, or remove it first.`,
    );
  }
}

/** What is known about a key besides its secrets. */
export interface ProfileMeta {
  label: string;
  site: Site;
  demo: boolean;
  /** When the key was created on OKX (ISO-8601); the 90-day rotation counts from here. */
  createdAt: string;
  /** Permissions the key is meant to have; the doctor compares them with what OKX reports. */
  expectedPerms: KeyPermission[];
  /** IPs the key is bound to on OKX. */
  ips: string[];
  /** Explicit consent to trade with a withdraw-enabled key (default false). */
  allowWithdraw: boolean;
  /** Clients built from this profile refuse every trading endpoint locally. */
  readOnly: boolean;
  notes: string;
}

export interface KeySecrets {
  apiKey: string;
  secretKey: string;
  passphrase: string;
}

/** A profile as shown to people and logs: no secret, key masked. */
export interface ProfileInfo extends ProfileMeta {
  name: string;
  apiKeyMasked: string;
  ageDays: number;
  rotatedAt?: string;
}

/** A key that was rotated out: its metadata only, kept so the user can find and delete it on OKX. */
export interface RetiredKey {
  profile: string;
  apiKeyMasked: string;
  label: string;
  createdAt: string;
  retiredAt: string;
  expectedPerms: KeyPermission[];
  ips: string[];
}

interface StoredProfile extends ProfileMeta, KeySecrets {
  rotatedAt?: string;
}

/** A named secret that is not an OKX key (an alert channel's token, webhook URL or password). */
interface StoredSecret {
  value: string;
  createdAt: string;
}

interface Payload {
  profiles: Record<string, StoredProfile>;
  history: RetiredKey[];
  /** Named secrets besides OKX keys (absent in older files). */
  secrets?: Record<string, StoredSecret>;
}

interface KdfParams {
  name: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
}

interface VaultHeader {
  format: string;
  version: number;
  kdf: KdfParams;
  cipher: { name: 'aes-256-gcm'; iv: string };
  check: string;
}

interface VaultFile extends VaultHeader {
  ciphertext: string;
  tag: string;
  /** Version 2: hex SHA-256 of the canonical JSON of every other field. */
  integrity?: string;
}

export interface VaultOptions {
  clock?: Clock;
  /** scrypt cost for writes (a power of two >= 2^15); default DEFAULT_SCRYPT_N (OWASP). */
  scryptN?: number;
  /** Called with a warning (e.g. a vault readable by group/other); default process.emitWarning. */
  onWarning?: (message: string) => void;
  /** Replaces the atomic writer (tests use this to simulate a crash mid-write). */
  writeFile?: (path: string, data: string) => void;
}

function scrypt(passphrase: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  const opts: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCb(Buffer.from(passphrase, 'utf8'), salt, 64, opts, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function checkValue(checkKey: Buffer): Buffer {
  return createHmac('sha256', checkKey).update(CHECK_LABEL).digest();
}

function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function b64(buf: Buffer): string {
  return buf.toString('base64');
}

function unb64(value: unknown, field: string, path: string, len?: [number, number]): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new VaultCorruptError(path, `field "${field}" is not base64`);
  }
  const buf = Buffer.from(value, 'base64');
  if (len && (buf.length < len[0] || buf.length > len[1]))
    throw new VaultCorruptError(path, `field "${field}" has the wrong length`);
  return buf;
}

function headerOf(f: VaultFile | VaultHeader): VaultHeader {
  return { format: f.format, version: f.version, kdf: f.kdf, cipher: f.cipher, check: f.check };
}

function parseFile(text: string, path: string): VaultFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new VaultCorruptError(path, 'not valid JSON (truncated or edited)');
  }
  const f = raw as Partial<VaultFile>;
  if (!f || typeof f !== 'object' || f.format !== VAULT_FORMAT)
    throw new VaultCorruptError(path, 'not an okxkit vault');
  if (!READABLE_VERSIONS.includes(f.version as number))
    throw new VaultCorruptError(
      path,
      `unsupported vault version ${String(f.version)} (this okxkit reads versions ${READABLE_VERSIONS.join(', ')})`,
    );
  // Before anything depends on the passphrase: any edit of any field is corruption.
  if ((f.version ?? 0) >= 2) {
    const { integrity, ...rest } = f;
    if (typeof integrity !== 'string' || integrity !== digest(canonicalJson(rest)))
      throw new VaultCorruptError(path, 'integrity digest mismatch: the file was edited or damaged');
  }
  const k = f.kdf as Partial<KdfParams> | undefined;
  if (
    !k ||
    k.name !== 'scrypt' ||
    !Number.isInteger(k.N) ||
    !Number.isInteger(k.r) ||
    !Number.isInteger(k.p)
  ) {
    throw new VaultCorruptError(path, 'KDF parameters missing');
  }
  const N = k.N!;
  // Refuse weakened parameters (and absurd ones that would exhaust memory) before deriving.
  if (
    N < MIN_SCRYPT_N ||
    N > MAX_SCRYPT_N ||
    (N & (N - 1)) !== 0 ||
    k.r! < 8 ||
    k.r! > 32 ||
    k.p! < 1 ||
    k.p! > 16
  ) {
    throw new VaultCorruptError(path, 'KDF parameters out of range');
  }
  if (!f.cipher || f.cipher.name !== 'aes-256-gcm') throw new VaultCorruptError(path, 'cipher missing');
  unb64(k.salt, 'kdf.salt', path, [16, 64]);
  unb64(f.cipher.iv, 'cipher.iv', path, [12, 12]);
  unb64(f.check, 'check', path, [32, 32]);
  unb64(f.tag, 'tag', path, [16, 16]);
  unb64(f.ciphertext, 'ciphertext', path);
  return f as VaultFile;
}

function isoOrThrow(value: string, field: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw new ValidationError(
      field,
      `"${value}" is not a date`,
      'use ISO-8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z',
    );
  return new Date(ms).toISOString();
}

/** Checks and normalises profile metadata; unknown values name the field and the fix. */
export function normalizeMeta(input: Partial<ProfileMeta>, base: ProfileMeta): ProfileMeta {
  const m: ProfileMeta = { ...base };
  if (input.label !== undefined) m.label = String(input.label);
  if (input.site !== undefined) {
    if (!SITES.includes(input.site))
      throw new ValidationError('site', `"${input.site}" is not an OKX site`, 'use global, eea or us');
    m.site = input.site;
  }
  if (input.demo !== undefined) m.demo = Boolean(input.demo);
  if (input.createdAt !== undefined) m.createdAt = isoOrThrow(input.createdAt, 'createdAt');
  if (input.expectedPerms !== undefined) {
    for (const p of input.expectedPerms) {
      if (!PERMS.includes(p))
        throw new ValidationError(
          'expectedPerms',
          `"${p}" is not an OKX key permission`,
          'use read_only, trade, withdraw',
        );
    }
    m.expectedPerms = [...new Set(input.expectedPerms)];
  }
  if (input.ips !== undefined) {
    for (const ip of input.ips) {
      const [addr, bits, extra] = ip.split('/');
      if (!addr || !isIP(addr) || extra !== undefined || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
        throw new ValidationError(
          'ips',
          `"${ip}" is not an IP address or CIDR range`,
          'list IPv4/IPv6 addresses, comma-separated',
        );
      }
    }
    // OKX binds at most 20 IPs to a key (docs/OKX-PROTOCOL.md §6).
    if (input.ips.length > 20)
      throw new ValidationError('ips', 'more than 20 IPs', 'OKX allows at most 20 per key');
    m.ips = [...new Set(input.ips)];
  }
  if (input.allowWithdraw !== undefined) m.allowWithdraw = Boolean(input.allowWithdraw);
  if (input.readOnly !== undefined) m.readOnly = Boolean(input.readOnly);
  if (input.notes !== undefined) m.notes = String(input.notes);
  return m;
}

function checkSecrets(s: KeySecrets): void {
  // Credentials' constructor names the missing field without its value.
  new Credentials(s.apiKey, s.secretKey, s.passphrase);
}

function checkName(name: string): void {
  if (!PROFILE_NAME.test(name)) {
    throw new ValidationError(
      'profile',
      `"${name}" is not a valid profile name`,
      'use letters, digits, ".", "_" or "-" (up to 64)',
    );
  }
}

export class Vault {
  readonly path: string;
  #passphrase: string;
  readonly #clock: Clock;
  readonly #scryptN: number;
  readonly #writeFile: (path: string, data: string) => void;
  #data: Payload;
  /** Digest of the file as opened (undefined: there was none), to notice a concurrent writer. */
  #loaded: string | undefined;

  private constructor(path: string, passphrase: string, data: Payload, opts: VaultOptions, loaded?: string) {
    this.path = path;
    this.#loaded = loaded;
    this.#passphrase = passphrase;
    this.#data = data;
    this.#clock = opts.clock ?? systemClock;
    this.#scryptN = opts.scryptN ?? DEFAULT_SCRYPT_N;
    if (this.#scryptN < MIN_SCRYPT_N || (this.#scryptN & (this.#scryptN - 1)) !== 0) {
      throw new ValidationError(
        'scryptN',
        `${this.#scryptN} is too weak`,
        `use a power of two >= ${MIN_SCRYPT_N}`,
      );
    }
    this.#writeFile = opts.writeFile ?? ((p, d) => writeFileAtomic(p, d, 0o600));
  }

  static exists(path: string): boolean {
    return existsSync(path);
  }

  /**
   * Opens a vault. With `create: true` a missing file gives an empty vault (written on save);
   * otherwise a missing file is VaultNotFoundError. Either the whole vault is returned or a
   * typed error: never part of one.
   */
  static async open(
    path: string,
    passphrase: string,
    opts: VaultOptions & { create?: boolean } = {},
  ): Promise<Vault> {
    if (!passphrase)
      throw new ValidationError(
        'vault passphrase',
        'is empty',
        'set OKXKIT_VAULT_PASSPHRASE or type one at the prompt',
      );
    if (!existsSync(path)) {
      if (!opts.create) throw new VaultNotFoundError(path);
      checkPassphraseStrength(passphrase);
      return new Vault(path, passphrase, { profiles: {}, history: [] }, opts);
    }
    const mode = statSync(path).mode & 0o777;
    if (process.platform !== 'win32' && mode & 0o077) {
      const warn = opts.onWarning ?? ((m: string) => process.emitWarning(m, { code: 'OKXKIT_VAULT_MODE' }));
      warn(
        `vault ${path} is ${mode & 0o044 ? 'readable' : 'accessible'} by group/other (mode 0${mode.toString(8)}): run chmod 600 ${path}`,
      );
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new VaultError(
        `cannot read vault ${path} (${errorCode(err) ?? 'error'})`,
        'VAULT_UNREADABLE',
        'Check the file permissions.',
      );
    }
    const data = await decryptVault(text, passphrase, path);
    return new Vault(path, passphrase, data, opts, digest(text));
  }

  /** Profile names, sorted. */
  names(): string[] {
    return Object.keys(this.#data.profiles).sort();
  }

  has(name: string): boolean {
    return Object.hasOwn(this.#data.profiles, name);
  }

  list(): ProfileInfo[] {
    return this.names().map((n) => this.info(n));
  }

  info(name: string): ProfileInfo {
    const p = this.#get(name);
    const info: ProfileInfo = {
      name,
      label: p.label,
      site: p.site,
      demo: p.demo,
      createdAt: p.createdAt,
      expectedPerms: [...p.expectedPerms],
      ips: [...p.ips],
      allowWithdraw: p.allowWithdraw,
      readOnly: p.readOnly,
      notes: p.notes,
      apiKeyMasked: maskKey(p.apiKey),
      ageDays: Math.max(0, Math.floor((this.#clock.now() - Date.parse(p.createdAt)) / DAY_MS)),
    };
    if (p.rotatedAt) info.rotatedAt = p.rotatedAt;
    return info;
  }

  credentials(name: string): Credentials {
    const p = this.#get(name);
    // The profile's access policy travels with its credentials (read-only, withdrawals).
    return new Credentials(p.apiKey, p.secretKey, p.passphrase, {
      readOnly: p.readOnly,
      allowWithdraw: p.allowWithdraw,
    });
  }

  /** Adds a profile (in memory; call save()). */
  add(name: string, secrets: KeySecrets, meta: Partial<ProfileMeta> = {}): ProfileInfo {
    checkName(name);
    if (this.has(name)) throw new ProfileExistsError(name);
    checkSecrets(secrets);
    const base: ProfileMeta = {
      label: name,
      site: 'global',
      demo: false,
      createdAt: new Date(this.#clock.now()).toISOString(),
      expectedPerms: meta.readOnly ? ['read_only'] : ['read_only', 'trade'],
      ips: [],
      allowWithdraw: false,
      readOnly: false,
      notes: '',
    };
    const m = normalizeMeta(meta, base);
    this.#data.profiles[name] = {
      ...m,
      apiKey: secrets.apiKey,
      secretKey: secrets.secretKey,
      passphrase: secrets.passphrase,
    };
    return this.info(name);
  }

  /** Changes metadata only. */
  update(name: string, meta: Partial<ProfileMeta>): ProfileInfo {
    const p = this.#get(name);
    Object.assign(p, normalizeMeta(meta, p));
    return this.info(name);
  }

  remove(name: string): ProfileInfo {
    const info = this.info(name);
    delete this.#data.profiles[name];
    return info;
  }

  /**
   * Swaps in a new key for a profile. The old key's metadata (masked key, label, dates, IPs)
   * goes to history so the user can find it on OKX and delete it; its secrets are dropped.
   * The swap is atomic on disk once save() returns: readers see the old or the new key.
   */
  rotate(
    name: string,
    secrets: KeySecrets,
    meta: Partial<ProfileMeta> = {},
  ): { retired: RetiredKey; profile: ProfileInfo } {
    const p = this.#get(name);
    checkSecrets(secrets);
    if (secrets.apiKey === p.apiKey) {
      throw new ValidationError(
        'apiKey',
        'the new key is the same as the current one',
        'create a new key on OKX first, then rotate to it',
      );
    }
    const now = new Date(this.#clock.now()).toISOString();
    const retired: RetiredKey = {
      profile: name,
      apiKeyMasked: maskKey(p.apiKey),
      label: p.label,
      createdAt: p.createdAt,
      retiredAt: now,
      expectedPerms: [...p.expectedPerms],
      ips: [...p.ips],
    };
    const m = normalizeMeta({ createdAt: now, ...meta }, p);
    this.#data.profiles[name] = {
      ...m,
      apiKey: secrets.apiKey,
      secretKey: secrets.secretKey,
      passphrase: secrets.passphrase,
      rotatedAt: now,
    };
    this.#data.history.push(retired);
    return { retired, profile: this.info(name) };
  }

  /** Retired keys, oldest first; of one profile when named. */
  history(name?: string): RetiredKey[] {
    return this.#data.history.filter((h) => name === undefined || h.profile === name).map((h) => ({ ...h }));
  }

  /**
   * Encrypts with a fresh salt and IV and replaces the file atomically (mode 0600). `record`
   * (e.g. the audit-trail append for this change) runs under the same lock after the write; if it
   * throws, the previous file is put back (or the new one removed) and the error rethrown, so a
   * change and its record never diverge.
   */
  async save(opts: { record?: () => void } = {}): Promise<void> {
    const text = await encryptVault(this.#data, this.#passphrase, this.#scryptN);
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    withFileLock(this.path, () => {
      // Another process saved since this one opened: writing now would drop its change.
      const before = existsSync(this.path) ? readFileSync(this.path, 'utf8') : undefined;
      const current = before === undefined ? undefined : digest(before);
      if (current !== this.#loaded) {
        throw new VaultError(
          `vault ${this.path} was changed by another process since it was opened; nothing written`,
          'VAULT_CONFLICT',
          'Run the command again.',
        );
      }
      this.#writeFile(this.path, text);
      if (opts.record) {
        try {
          opts.record();
        } catch (err) {
          if (before === undefined) rmSync(this.path, { force: true });
          else this.#writeFile(this.path, before);
          throw err;
        }
      }
    });
    this.#loaded = digest(text);
  }

  /**
   * Re-encrypts the vault under a new passphrase (checked for strength) and replaces the file
   * atomically: readers see the old file or the new one, never a mix. On any failure the vault
   * keeps its old passphrase, on disk and in memory.
   */
  async changePassphrase(newPassphrase: string, opts: { record?: () => void } = {}): Promise<void> {
    checkPassphraseStrength(newPassphrase);
    if (newPassphrase === this.#passphrase)
      throw new ValidationError('new vault passphrase', 'is the same as the current one', 'choose a new one');
    const old = this.#passphrase;
    this.#passphrase = newPassphrase;
    try {
      await this.save(opts);
    } catch (err) {
      this.#passphrase = old;
      throw err;
    }
  }

  /** Names of the stored secrets that are not OKX keys (alert channels' tokens...), sorted. */
  secretNames(): string[] {
    return Object.keys(this.#data.secrets ?? {}).sort();
  }

  /**
   * Stores a named secret that is not an OKX key (in memory; call save()): an alert channel's
   * token, webhook URL or SMTP password. Replaces one of the same name.
   */
  setSecret(name: string, value: string): void {
    checkName(name);
    if (typeof value !== 'string' || value === '')
      throw new ValidationError(`secret ${name}`, 'is empty', 'give the secret value');
    this.#data.secrets ??= {};
    this.#data.secrets[name] = { value, createdAt: new Date(this.#clock.now()).toISOString() };
  }

  /** A named secret's value; a typed error naming the known names (never a value) when missing. */
  secret(name: string): string {
    const s =
      this.#data.secrets && Object.hasOwn(this.#data.secrets, name) ? this.#data.secrets[name] : undefined;
    if (!s) {
      const known = this.secretNames();
      throw new VaultError(
        `no secret "${name}" in the vault`,
        'SECRET_NOT_FOUND',
        known.length
          ? `Known secrets: ${known.join(', ')}.`
          : `Store it with \`okxkit alerts secret set ${name}\` (the value is read from stdin).`,
      );
    }
    return s.value;
  }

  /** Removes a named secret (in memory; call save()); false when there was none. */
  removeSecret(name: string): boolean {
    if (!this.#data.secrets || !Object.hasOwn(this.#data.secrets, name)) return false;
    delete this.#data.secrets[name];
    return true;
  }

  #get(name: string): StoredProfile {
    if (!this.has(name)) throw new ProfileNotFoundError(name, this.names());
    return this.#data.profiles[name]!;
  }

  toString(): string {
    return `Vault(${this.path}, ${this.names().length} profiles)`;
  }
  toJSON(): Record<string, unknown> {
    return { path: this.path, profiles: this.names() };
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

async function encryptVault(data: Payload, passphrase: string, N: number): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const r = 8;
  const p = 1;
  const key = await scrypt(passphrase, salt, N, r, p);
  const header: VaultHeader = {
    format: VAULT_FORMAT,
    version: VAULT_VERSION,
    kdf: { name: 'scrypt', N, r, p, salt: b64(salt) },
    cipher: { name: 'aes-256-gcm', iv: b64(iv) },
    check: b64(checkValue(key.subarray(32))),
  };
  const cipher = createCipheriv('aes-256-gcm', key.subarray(0, 32), iv);
  cipher.setAAD(Buffer.from(canonicalJson(header), 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
  key.fill(0);
  const body = { ...header, ciphertext: b64(ciphertext), tag: b64(cipher.getAuthTag()) };
  const file: VaultFile = { ...body, integrity: digest(canonicalJson(body)) };
  return `${JSON.stringify(file, null, 2)}\n`;
}

async function decryptVault(text: string, passphrase: string, path: string): Promise<Payload> {
  const f = parseFile(text, path);
  const salt = unb64(f.kdf.salt, 'kdf.salt', path);
  const key = await scrypt(passphrase, salt, f.kdf.N, f.kdf.r, f.kdf.p);
  try {
    if (!timingSafeEqual(checkValue(key.subarray(32)), unb64(f.check, 'check', path)))
      throw new VaultPassphraseError(path);
    let plain: Buffer;
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        key.subarray(0, 32),
        unb64(f.cipher.iv, 'cipher.iv', path),
      );
      decipher.setAAD(Buffer.from(canonicalJson(headerOf(f)), 'utf8'));
      decipher.setAuthTag(unb64(f.tag, 'tag', path));
      plain = Buffer.concat([decipher.update(unb64(f.ciphertext, 'ciphertext', path)), decipher.final()]);
    } catch {
      // The passphrase is right (check matched), so the header or ciphertext was altered.
      throw new VaultCorruptError(path, 'authentication failed: the file was altered or truncated');
    }
    return parsePayload(plain, path);
  } finally {
    key.fill(0);
  }
}

function parsePayload(plain: Buffer, path: string): Payload {
  let raw: unknown;
  try {
    raw = JSON.parse(plain.toString('utf8'));
  } catch {
    // No cause attached: a JSON error message would quote decrypted text.
    throw new VaultCorruptError(path, 'decrypted content is not valid JSON');
  } finally {
    plain.fill(0);
  }
  const d = raw as Partial<Payload>;
  if (
    !d ||
    typeof d !== 'object' ||
    typeof d.profiles !== 'object' ||
    d.profiles === null ||
    !Array.isArray(d.history)
  ) {
    throw new VaultCorruptError(path, 'decrypted content has an unknown shape');
  }
  for (const [name, p] of Object.entries(d.profiles)) {
    const ok =
      p &&
      typeof p.apiKey === 'string' &&
      typeof p.secretKey === 'string' &&
      typeof p.passphrase === 'string' &&
      typeof p.createdAt === 'string' &&
      typeof p.site === 'string' &&
      Array.isArray(p.expectedPerms) &&
      Array.isArray(p.ips);
    if (!ok) throw new VaultCorruptError(path, `profile "${name}" is incomplete`);
  }
  if (d.secrets !== undefined) {
    if (!d.secrets || typeof d.secrets !== 'object')
      throw new VaultCorruptError(path, 'decrypted content has an unknown shape');
    for (const [name, x] of Object.entries(d.secrets)) {
      if (!x || typeof x.value !== 'string' || typeof x.createdAt !== 'string')
        throw new VaultCorruptError(path, `secret "${name}" is incomplete`);
    }
  }
  return d as Payload;
}
