import { z } from 'zod';
import { ValidationError } from '../util/errors.js';

/**
 * One signal source (docs/SIGNALS.md): how it authenticates and what it may do.
 * - `hmac`: the sender signs `timestamp + body` with HMAC-SHA256 (header X-Signal-Signature,
 *   timestamp in X-Signal-Timestamp), for scripts and platforms that can set headers;
 * - `token`: a shared token in the URL path (`/signal/<source>/<token>`) or the body's `token`
 *   field, for platforms that cannot sign (TradingView); the body's `ts` is the timestamp.
 * `secret` names where the secret is: `vault:<name>` (a named secret of the vault) or
 * `env:<VAR>` (an environment variable); never the secret itself.
 */
export const sourceSchema = z
  .object({
    auth: z.enum(['hmac', 'token']),
    secret: z.string().regex(/^(vault|env):[A-Za-z0-9_.-]{1,64}$/, 'must be vault:<name> or env:<VARIABLE>'),
    /** Instruments this source may trade; empty = none. */
    instruments: z.array(z.string().regex(/^[A-Z0-9-]+$/, 'must be an instrument id')).min(1),
    /** Orders per rolling minute, all signals of the source together. */
    maxOrdersPerMinute: z.number().int().positive().default(10),
    /** Largest notional of one order, in the instrument's quote currency. */
    maxNotional: z
      .union([z.string(), z.number()])
      .transform((v) => String(v))
      .refine((v) => /^\d+(\.\d+)?$/.test(v) && Number(v) > 0, 'must be a positive number'),
    /** How far a signal's timestamp may be from now (ms), either way. Default 60 000. */
    windowMs: z.number().int().positive().max(3_600_000).default(60_000),
    /** tdMode of derivative orders when the signal gives none. Default cross. */
    tdMode: z.enum(['cross', 'isolated']).default('cross'),
  })
  .strict();

export type SourceConfig = z.output<typeof sourceSchema>;

export const signalsConfigSchema = z
  .object({
    sources: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), sourceSchema),
  })
  .strict();

export type SignalsConfig = z.output<typeof signalsConfigSchema>;

/** Parses a sources config; a bad one names the field (e.g. `sources.tv.maxNotional`). */
export function parseSignalsConfig(raw: unknown): SignalsConfig {
  const r = signalsConfigSchema.safeParse(raw);
  if (r.success) {
    if (Object.keys(r.data.sources).length === 0)
      throw new ValidationError('sources', 'is empty', 'add at least one source');
    return r.data;
  }
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : 'config';
  throw new ValidationError(field, issue.message, 'see docs/SIGNALS.md, "Sources"');
}

/** Resolves a `vault:` / `env:` reference to the secret; the caller supplies both lookups. */
export function resolveSecretRef(
  ref: string,
  lookups: { env: (name: string) => string | undefined; vault?: (name: string) => string },
  field: string,
): string {
  const [kind, name] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
  if (kind === 'env') {
    const v = lookups.env(name);
    if (!v) throw new ValidationError(field, `environment variable ${name} is not set`, `set ${name}`);
    if (v.length < 16) throw new ValidationError(field, `${name} is shorter than 16 characters`);
    return v;
  }
  if (!lookups.vault)
    throw new ValidationError(
      field,
      'names a vault secret but no vault is open',
      'set OKXKIT_VAULT_PASSPHRASE',
    );
  return lookups.vault(name);
}
