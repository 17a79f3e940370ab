import { credentialsFromEnv, readEnvValue, type Credentials, type Env } from '../client/credentials.js';
import type { Site } from '../protocol/hosts.js';
import type { Clock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import { defaultVaultPath } from './paths.js';
import { Vault, VaultError, type ProfileInfo } from './vault.js';

export interface ResolveCredentialsOptions {
  /** Vault profile; falls back to OKXKIT_PROFILE; without either, credentials come from the environment. */
  profile?: string;
  env?: Env;
  /** Vault file; falls back to OKXKIT_VAULT, then ~/.okxkit/vault.json. */
  vaultPath?: string;
  /** Vault passphrase; falls back to OKXKIT_VAULT_PASSPHRASE (or its _FILE), then the prompt. */
  vaultPassphrase?: string;
  promptPassphrase?: () => Promise<string>;
  clock?: Clock;
}

/** Credentials plus the settings that travel with them, ready for an OkxClient. */
export interface ResolvedCredentials {
  source: 'vault' | 'env';
  credentials: Credentials;
  demo: boolean;
  site: Site;
  readOnly: boolean;
  allowWithdraw: boolean;
  /** OKX_BASE_URL when set (e.g. the local exchange). */
  baseUrl?: string;
  profile?: ProfileInfo;
  vaultPath?: string;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

function envFlag(env: Env, name: string): boolean {
  const v = env[name];
  if (v === undefined) return false;
  const s = v.trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new ValidationError(name, `"${v}" is not a boolean`, `set ${name}=1 or ${name}=0`);
}

function envSite(env: Env): Site {
  const s = (env.OKX_SITE ?? 'global').trim().toLowerCase();
  if (s !== 'global' && s !== 'eea' && s !== 'us')
    throw new ValidationError('OKX_SITE', `"${env.OKX_SITE}" is not an OKX site`, 'use global, eea or us');
  return s;
}

/** Reads the vault passphrase from the option, the environment (or its _FILE), or the prompt. */
export async function vaultPassphraseFrom(opts: {
  vaultPassphrase?: string;
  env?: Env;
  promptPassphrase?: () => Promise<string>;
}): Promise<string> {
  const env = opts.env ?? process.env;
  const pass =
    opts.vaultPassphrase ??
    readEnvValue(env, 'OKXKIT_VAULT_PASSPHRASE') ??
    (opts.promptPassphrase ? await opts.promptPassphrase() : undefined);
  if (!pass) {
    throw new VaultError(
      'no vault passphrase',
      'VAULT_PASSPHRASE_MISSING',
      'Set OKXKIT_VAULT_PASSPHRASE (or OKXKIT_VAULT_PASSPHRASE_FILE), or run the command in a terminal to be asked.',
    );
  }
  return pass;
}

/**
 * The one way commands and bots get credentials: a vault profile when one is named, otherwise
 * OKX_API_KEY / OKX_SECRET_KEY / OKX_PASSPHRASE (docs/REQUIREMENTS.md R1, each also as _FILE, R4). A profile's
 * demo / site / read-only settings come with it; for the environment they come from OKX_DEMO,
 * OKX_SITE and OKXKIT_READ_ONLY.
 */
export async function resolveCredentials(opts: ResolveCredentialsOptions = {}): Promise<ResolvedCredentials> {
  const env = opts.env ?? process.env;
  const profile = opts.profile ?? (env.OKXKIT_PROFILE || undefined);
  const baseUrl = env.OKX_BASE_URL || undefined;
  if (profile) {
    const vaultPath = opts.vaultPath ?? defaultVaultPath(env);
    const passphrase = await vaultPassphraseFrom({ ...opts, env });
    const vault = await Vault.open(vaultPath, passphrase, { clock: opts.clock });
    const info = vault.info(profile);
    const r: ResolvedCredentials = {
      source: 'vault',
      credentials: vault.credentials(profile),
      demo: info.demo,
      site: info.site,
      readOnly: info.readOnly || envFlag(env, 'OKXKIT_READ_ONLY'),
      allowWithdraw: info.allowWithdraw,
      profile: info,
      vaultPath,
    };
    if (baseUrl) r.baseUrl = baseUrl;
    return r;
  }
  const r: ResolvedCredentials = {
    source: 'env',
    credentials: credentialsFromEnv(env),
    demo: envFlag(env, 'OKX_DEMO'),
    site: envSite(env),
    readOnly: envFlag(env, 'OKXKIT_READ_ONLY'),
    allowWithdraw: false,
  };
  if (baseUrl) r.baseUrl = baseUrl;
  return r;
}

/** The OkxClient options a resolved profile implies (a read-only profile gives a read-only client). */
export function clientOptionsFor(
  r: ResolvedCredentials,
  overrides: { baseUrl?: string } = {},
): {
  credentials: Credentials;
  demo: boolean;
  site: Site;
  readOnly: boolean;
  baseUrl?: string;
} {
  const o: { credentials: Credentials; demo: boolean; site: Site; readOnly: boolean; baseUrl?: string } = {
    credentials: r.credentials,
    demo: r.demo,
    site: r.site,
    readOnly: r.readOnly,
  };
  const baseUrl = overrides.baseUrl ?? r.baseUrl;
  if (baseUrl) o.baseUrl = baseUrl;
  return o;
}
