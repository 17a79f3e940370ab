import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { AccessPolicy, DEFAULT_POLICY, type AccessPolicyInit } from '../protocol/policy.js';
import { OkxkitError, ValidationError, errorCode } from '../util/errors.js';

/**
 * An OKX API key's credentials. The secret and passphrase are held in private fields and the
 * object redacts itself in toString, util.inspect and JSON, so logging or throwing it leaks
 * nothing. The passphrase is kept byte for byte (docs/REQUIREMENTS.md R5): no trimming, no case change.
 *
 * The access policy (read-only, withdrawals) is resolved once with the credentials and travels
 * with them: every client built from them enforces it, and it can only be made stricter.
 */
export class Credentials {
  readonly apiKey: string;
  readonly #secretKey: string;
  readonly #passphrase: string;
  readonly #policy: AccessPolicy;

  constructor(apiKey: string, secretKey: string, passphrase: string, policy?: AccessPolicyInit) {
    if (!apiKey) throw new CredentialsError('apiKey', 'OKX_API_KEY');
    if (!secretKey) throw new CredentialsError('secretKey', 'OKX_SECRET_KEY');
    if (!passphrase) throw new CredentialsError('passphrase', 'OKX_PASSPHRASE');
    this.apiKey = apiKey;
    this.#secretKey = secretKey;
    this.#passphrase = passphrase;
    this.#policy = policy ? DEFAULT_POLICY.restrict(policy) : DEFAULT_POLICY;
    Object.freeze(this);
  }

  /** What these credentials may do (read-only, withdrawals); enforced by every okxkit client. */
  get policy(): AccessPolicy {
    return this.#policy;
  }

  /** The same key under a policy at least as strict as this one (never looser). */
  restrict(policy: AccessPolicyInit | undefined): Credentials {
    const next = this.#policy.restrict(policy);
    if (next === this.#policy) return this;
    return new Credentials(this.apiKey, this.#secretKey, this.#passphrase, next);
  }

  /** The secret, for the signer only. */
  revealSecret(): string {
    return this.#secretKey;
  }

  /** The passphrase, for the OK-ACCESS-PASSPHRASE header and WS login only. */
  revealPassphrase(): string {
    return this.#passphrase;
  }

  /** Key with all but the first 4 characters masked. */
  get maskedKey(): string {
    return this.apiKey.length <= 4 ? '****' : `${this.apiKey.slice(0, 4)}****`;
  }

  toString(): string {
    return `Credentials(${this.maskedKey})`;
  }
  toJSON(): Record<string, string> {
    return { apiKey: this.maskedKey, secretKey: '[redacted]', passphrase: '[redacted]' };
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

/** OKXKIT_READ_ONLY (1/true/yes/on or 0/false/no/off): the environment's read-only switch. */
export function readOnlyFromEnv(env: Env): boolean {
  const v = env.OKXKIT_READ_ONLY;
  if (v === undefined) return false;
  const s = v.trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new ValidationError(
    'OKXKIT_READ_ONLY',
    `"${v}" is not a boolean`,
    'set OKXKIT_READ_ONLY=1 or OKXKIT_READ_ONLY=0',
  );
}

/** A credential (API key, secret or passphrase) is missing or unusable; `variable` names the environment variable to set. Never carries the secret itself. */
export class CredentialsError extends OkxkitError {
  readonly variable: string;
  constructor(field: string, variable: string, detail?: string) {
    super(
      detail ?? `Missing credential ${field}: set ${variable} (or ${variable}_FILE, or a vault profile)`,
      {
        code: 'CREDENTIALS_MISSING',
        hint: `Set ${variable} in the environment or .env, mount it as a file and set ${variable}_FILE, or use --profile with the vault.`,
      },
    );
    this.variable = variable;
  }
}

export type Env = Record<string, string | undefined>;

/**
 * Reads one variable: NAME, or the file at NAME_FILE (Docker / Kubernetes secrets, docs/REQUIREMENTS.md R4). A file's
 * single trailing newline is dropped (mounts usually add one); everything else is kept as is.
 */
export function readEnvValue(env: Env, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== '' && file) {
    throw new CredentialsError(name, name, `Both ${name} and ${name}_FILE are set: keep one`);
  }
  if (direct !== undefined && direct !== '') return direct;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CredentialsError(
        name,
        name,
        `${name}_FILE points to a file that cannot be read (${errorCode(err) ?? 'error'})`,
      );
    }
    return text.replace(/\r?\n$/, '');
  }
  return undefined;
}

/**
 * Credentials from OKX_API_KEY, OKX_SECRET_KEY, OKX_PASSPHRASE (each also as *_FILE), with the
 * read-only policy of OKXKIT_READ_ONLY. Names every missing one.
 */
export function credentialsFromEnv(env: Env = process.env): Credentials {
  const apiKey = readEnvValue(env, 'OKX_API_KEY');
  const secretKey = readEnvValue(env, 'OKX_SECRET_KEY');
  const passphrase = readEnvValue(env, 'OKX_PASSPHRASE');
  const missing = [
    ['OKX_API_KEY', apiKey],
    ['OKX_SECRET_KEY', secretKey],
    ['OKX_PASSPHRASE', passphrase],
  ]
    .filter(([, v]) => !v)
    .map(([n]) => n as string);
  if (missing.length) {
    throw new CredentialsError(
      missing[0]!,
      missing[0]!,
      `Missing credentials: ${missing.join(', ')} (set them, or the *_FILE form, or use a vault profile)`,
    );
  }
  return new Credentials(apiKey!, secretKey!, passphrase!, { readOnly: readOnlyFromEnv(env) });
}
