import { OkxClient, type OkxClientOptions } from '../client/okx-client.js';
import {
  clientOptionsFor,
  resolveCredentials,
  type ResolveCredentialsOptions,
  type ResolvedCredentials,
} from './resolve.js';

/**
 * An OkxClient for a resolved profile: its credentials, demo and site settings, and, for a
 * profile marked read-only, a client that refuses every trading endpoint before signing.
 * Extra options cannot turn read-only off.
 */
export function clientForProfile(
  resolved: ResolvedCredentials,
  extra: Omit<OkxClientOptions, 'credentials'> = {},
): OkxClient {
  const base = clientOptionsFor(resolved, extra.baseUrl ? { baseUrl: extra.baseUrl } : {});
  return new OkxClient({ ...extra, ...base, readOnly: base.readOnly || extra.readOnly === true });
}

/** resolveCredentials + clientForProfile. */
export async function openClient(
  opts: ResolveCredentialsOptions & { client?: Omit<OkxClientOptions, 'credentials'> } = {},
): Promise<{ client: OkxClient; resolved: ResolvedCredentials }> {
  const resolved = await resolveCredentials(opts);
  return { client: clientForProfile(resolved, opts.client), resolved };
}
