import {
  credentialsFromEnv,
  readEnvValue,
  readOnlyFromEnv,
  type Credentials,
  type Env,
} from '../client/credentials.js';
import { isFromDotEnv } from '../client/env.js';
import { isOfficialRestUrl, type Site } from '../protocol/hosts.js';
import type { Clock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import { defaultVaultPath } from './paths.js';
import { Vault, VaultError, type ProfileInfo } from './vault.js';

/** Where `resolveCredentials` looks: a vault profile and file, else the environment (OKX_API_KEY ...). */
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
  /** An explicit base URL (a CLI --base-url); wins over OKX_BASE_URL. */
  baseUrl?: string;
  /**
   * Send a vault profile's credentials to a base URL that is not OKX's official host for the
   * profile's site (e.g. the local exchange). Also OKXKIT_ALLOW_CUSTOM_BASE_URL=1 in the process
   * environment (never from .env). Without it such a URL is refused.
   */
  allowCustomBaseUrl?: boolean;
}

/** Credentials plus the settings that travel with them, ready for an OkxClient. */
export interface ResolvedCredentials {
  source: 'vault' | 'env';
  credentials: Credentials;
  demo: boolean;
  site: Site;
  readOnly: boolean;
  allowWithdraw: boolean;
  /** OKX_BASE_URL or the explicit base URL when set (e.g. the local exchange). */
  baseUrl?: string;
  /** A vault profile may be sent to a non-official base URL (explicitly allowed). */
  allowCustomBaseUrl: boolean;
  /** Set when the credentials go to a URL that is not OKX's official host: print it. */
  baseUrlNotice?: string;
  profile?: ProfileInfo;
  vaultPath?: string;
}

/** A vault profile's credentials were about to go to a host that is not OKX's for its site. */
export class BaseUrlRefusedError extends ValidationError {
  constructor(profile: string, site: Site, url: string) {
    super(
      'base URL',
      `profile "${profile}" is bound to OKX ${site}; ${url} is not an official OKX host for it, so its credentials are not sent there`,
      'Unset OKX_BASE_URL (a .env file never redirects a profile), or pass --allow-custom-base-url (library: allowCustomBaseUrl: true) to send them there on purpose',
    );
  }
}

/** Throws BaseUrlRefusedError when a vault profile's credentials would leave for a non-official host. */
export function guardBaseUrl(r: ResolvedCredentials, url: string | undefined): string | undefined {
  if (url === undefined || r.source !== 'vault' || isOfficialRestUrl(r.site, url)) return undefined;
  if (!r.allowCustomBaseUrl) throw new BaseUrlRefusedError(r.profile?.name ?? '?', r.site, url);
  return `note: profile "${r.profile?.name ?? '?'}" (${r.credentials.maskedKey}) is sent to ${url}, not an official OKX ${r.site} host (allowed by --allow-custom-base-url)`;
}

/**
 * The environment a vault profile reads: a .env file in the working directory never sets its
 * target or keys (OKX_*), its vault file or the custom-URL switch. The process environment does.
 */
function profileEnv(env: Env, name: string): string | undefined {
  if (isFromDotEnv(env, name)) return undefined;
  return env[name];
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
  if (profile) {
    const vaultPath =
      opts.vaultPath ?? defaultVaultPath({ ...env, OKXKIT_VAULT: profileEnv(env, 'OKXKIT_VAULT') });
    const passphrase = await vaultPassphraseFrom({ ...opts, env });
    const vault = await Vault.open(vaultPath, passphrase, { clock: opts.clock });
    const info = vault.info(profile);
    const readOnly = info.readOnly || readOnlyFromEnv(env);
    const allowCustom =
      opts.allowCustomBaseUrl === true ||
      envFlag({ X: profileEnv(env, 'OKXKIT_ALLOW_CUSTOM_BASE_URL') }, 'X');
    const r: ResolvedCredentials = {
      source: 'vault',
      // The policy is fixed here, with the credentials: every client built from them obeys it.
      credentials: vault.credentials(profile).restrict({ readOnly }),
      demo: info.demo,
      site: info.site,
      readOnly,
      allowWithdraw: info.allowWithdraw && !readOnly,
      allowCustomBaseUrl: allowCustom,
      profile: info,
      vaultPath,
    };
    const baseUrl = opts.baseUrl ?? (profileEnv(env, 'OKX_BASE_URL') || undefined);
    if (baseUrl) {
      const notice = guardBaseUrl(r, baseUrl);
      r.baseUrl = baseUrl;
      if (notice) r.baseUrlNotice = notice;
    }
    return r;
  }
  const baseUrl = opts.baseUrl ?? (env.OKX_BASE_URL || undefined);
  const credentials = credentialsFromEnv(env);
  const r: ResolvedCredentials = {
    source: 'env',
    credentials,
    demo: envFlag(env, 'OKX_DEMO'),
    site: envSite(env),
    readOnly: credentials.policy.readOnly,
    allowWithdraw: false,
    allowCustomBaseUrl: true,
  };
  if (baseUrl) {
    r.baseUrl = baseUrl;
    if (!isOfficialRestUrl(r.site, baseUrl))
      r.baseUrlNotice = `note: key ${credentials.maskedKey} from the environment is sent to ${baseUrl}${isFromDotEnv(env, 'OKX_BASE_URL') ? ' (OKX_BASE_URL from .env)' : ''}, not an official OKX host`;
  }
  return r;
}

/**
 * The OkxClient options a resolved profile implies (a read-only profile gives a read-only client).
 * A base URL override is checked like OKX_BASE_URL: a vault profile never follows one to a host
 * that is not OKX's for its site unless that was explicitly allowed.
 */
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
  if (overrides.baseUrl !== undefined) guardBaseUrl(r, overrides.baseUrl);
  if (baseUrl) o.baseUrl = baseUrl;
  return o;
}
