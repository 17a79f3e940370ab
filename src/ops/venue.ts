import { OkxClient } from '../client/okx-client.js';
import type { Env } from '../client/credentials.js';
import { hostsFor } from '../protocol/hosts.js';
import { checkKeyBeforeTrading } from '../security/doctor.js';
import { resolveCredentials } from '../security/resolve.js';
import { killScopeFor } from '../trading/kill-switch.js';
import { ValidationError } from '../util/errors.js';
import type { OpsConfig } from './config.js';
import type { OpsVenue } from './supervisor.js';

/**
 * The venue of a config without `sim`: the key from the config's vault profile or the OKX_*
 * environment (each also as a *_FILE), refused when read-only, audited once before any bot starts
 * (the same check as `okxkit bot run`), and the kill switch scope of that venue and key.
 */
export async function venueFromKey(
  config: OpsConfig,
  env: Env,
  warn: (text: string) => void,
): Promise<OpsVenue> {
  const creds = await resolveCredentials({
    ...(config.exchange.profile ? { profile: config.exchange.profile } : {}),
    ...(config.exchange.baseUrl ? { baseUrl: config.exchange.baseUrl } : {}),
    env,
  });
  if (creds.readOnly)
    throw new ValidationError(
      'exchange.profile',
      'is read-only: this key cannot trade',
      'use a trade-permission key',
    );
  const demo = config.exchange.demo ?? creds.demo;
  const baseUrl = creds.baseUrl ?? config.exchange.baseUrl ?? hostsFor(creds.site, demo).rest;
  const check = new OkxClient({ baseUrl, demo, credentials: creds.credentials });
  try {
    await checkKeyBeforeTrading(check, { demo, site: creds.site, warn });
  } finally {
    await check.close();
  }
  const c = creds.credentials;
  return {
    baseUrl,
    demo,
    key: { apiKey: c.apiKey, secretKey: c.revealSecret(), passphrase: c.revealPassphrase() },
    killScope: killScopeFor({ baseUrl, demo, apiKey: c.apiKey }),
  };
}
