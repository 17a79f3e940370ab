import { readEnvValue, type Env } from '../../client/credentials.js';
import { defaultVaultPath } from '../../security/paths.js';
import { vaultPassphraseFrom } from '../../security/resolve.js';
import { Vault } from '../../security/vault.js';
import type { Clock } from '../../util/clock.js';
import { ValidationError } from '../../util/errors.js';

/**
 * Where a channel secret comes from; never the config file itself: `{ env: NAME }` reads the
 * environment variable NAME or the file NAME_FILE points to (Docker / Kubernetes secret mounts),
 * `{ vault: NAME }` the named secret in the okxkit vault (`okxkit alerts secret set NAME`).
 */
export type SecretRef = { env: string } | { vault: string };

/** Turns a secret reference into its value; `field` names the config field for errors. */
export type SecretResolver = (ref: SecretRef, field: string) => Promise<string>;

export interface SecretResolverOptions {
  env?: Env;
  /** Vault file; default OKXKIT_VAULT or ~/.okxkit/vault.json. */
  vaultPath?: string;
  /** Vault passphrase; default OKXKIT_VAULT_PASSPHRASE (or its _FILE), then the prompt. */
  vaultPassphrase?: string;
  promptPassphrase?: () => Promise<string>;
  clock?: Clock;
}

/** The default resolver: environment (NAME or NAME_FILE) and the vault, opened once when first needed. */
export function secretResolver(opts: SecretResolverOptions = {}): SecretResolver {
  const env = opts.env ?? process.env;
  let vault: Promise<Vault> | undefined;
  return async (ref, field) => {
    if ('env' in ref) {
      let v: string | undefined;
      try {
        v = readEnvValue(env, ref.env);
      } catch (err) {
        // Both NAME and NAME_FILE, or an unreadable file: say so for this field (the message holds no value).
        throw new ValidationError(
          field,
          err instanceof Error ? err.message : 'cannot be read',
          `set ${ref.env}_FILE to a readable file, or ${ref.env}`,
        );
      }
      if (!v)
        throw new ValidationError(
          field,
          `the environment variable ${ref.env} (or ${ref.env}_FILE) is not set`,
          `set ${ref.env}_FILE to a file holding the secret, or ${ref.env}`,
        );
      return v;
    }
    vault ??= (async () => {
      const path = opts.vaultPath ?? defaultVaultPath(env);
      const passphrase = await vaultPassphraseFrom({
        env,
        ...(opts.vaultPassphrase !== undefined ? { vaultPassphrase: opts.vaultPassphrase } : {}),
        ...(opts.promptPassphrase ? { promptPassphrase: opts.promptPassphrase } : {}),
      });
      return Vault.open(path, passphrase, opts.clock ? { clock: opts.clock } : {});
    })();
    return (await vault).secret(ref.vault);
  };
}
