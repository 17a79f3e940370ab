import type { Command } from 'commander';
import { clientOptionsFromEnv, envWithDotEnv, hasCredentialsInEnv, isFromDotEnv } from '../client/env.js';
import { isOfficialRestUrl } from '../protocol/hosts.js';
import { OkxClient } from '../client/okx-client.js';
import { checkInstId } from '../client/validate.js';
import type { Env } from '../client/credentials.js';
import { ValidationError } from '../util/errors.js';
import { createLogger } from '../util/logger.js';
import { cliClientLogger } from './logging.js';

/** Flags every command that talks to an exchange accepts. */
export interface ClientFlags {
  baseUrl?: string;
  demo?: boolean;
  site?: string;
  sim?: boolean;
  readOnly?: boolean;
  allowCustomBaseUrl?: boolean;
  profile?: string;
  vault?: string;
  json?: boolean;
  verbose?: boolean;
}

export function addClientFlags(cmd: Command): Command {
  return cmd
    .option('--base-url <url>', 'REST base URL (default: OKX_BASE_URL, else the OKX host of --site)')
    .option('--demo', 'demo trading (x-simulated-trading: 1); also OKX_DEMO=1')
    .option('--site <site>', 'global | eea | us (default: OKX_SITE or global)')
    .option('--sim', 'use the embedded local exchange (default when no credentials and no base URL are set)')
    .option('--read-only', 'refuse every trading call locally')
    .option(
      '--allow-custom-base-url',
      "send a vault profile's credentials to a base URL that is not OKX's host for its site (e.g. the local exchange); printed",
    )
    .option(
      '--profile <name>',
      'credentials from this vault profile (also OKXKIT_PROFILE); its demo, site and read-only settings apply',
    )
    .option('--vault <path>', 'vault file (default: OKXKIT_VAULT or ~/.okxkit/vault.json)')
    .option('--json', 'print JSON for scripts instead of a table')
    .option('--verbose', 'log each request (method, path, status, latency) to stderr');
}

export interface ClientHandle {
  client: OkxClient;
  /** True when the embedded local exchange serves this command. */
  local: boolean;
  close(): Promise<void>;
}

/**
 * The client a command uses. With --base-url / OKX_BASE_URL or credentials in the environment
 * (or .env): that target and those credentials. With --sim, or when nothing is configured: the
 * embedded local exchange, started in-process with its "trade" key, and a note on stderr.
 */
export async function openClient(
  flags: ClientFlags,
  env: Env = envWithDotEnv(process.env),
): Promise<ClientHandle> {
  const logger = flags.verbose ? createLogger({ level: 'info' }, process.stderr) : cliClientLogger();
  const site = flags.site;
  if (site !== undefined && site !== 'global' && site !== 'eea' && site !== 'us') {
    throw new ValidationError('--site', `'${site}' is not a site`, 'use global, eea or us');
  }
  const profile = flags.profile ?? (env.OKXKIT_PROFILE || undefined);
  if (profile) {
    // A vault profile: the security layer decrypts it and builds the client, so a read-only
    // profile always yields a read-only client (docs/REQUIREMENTS.md R2, issue: read-only guard).
    const { openClient: openProfileClient } = await import('../security/client-factory.js');
    const { client, resolved } = await openProfileClient({
      profile,
      env,
      vaultPath: flags.vault,
      ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
      ...(flags.allowCustomBaseUrl ? { allowCustomBaseUrl: true } : {}),
      client: { readOnly: flags.readOnly, logger },
    });
    if (resolved.baseUrlNotice) process.stderr.write(`${resolved.baseUrlNotice}\n`);
    return { client, local: false, close: () => client.close() };
  }
  const configured =
    !!flags.baseUrl || !!env.OKX_BASE_URL || !!env.OKX_BASE_URL_FILE || hasCredentialsInEnv(env);
  if (flags.sim || !configured) {
    const { startSimulator } = await import('../sim/simulator.js');
    const sim = await startSimulator({});
    process.stderr.write(
      `note: using the embedded local exchange at ${sim.restUrl}${flags.sim ? '' : ' (no OKX credentials or base URL configured)'}; nothing reaches OKX\n`,
    );
    const client = new OkxClient({
      baseUrl: sim.restUrl,
      credentials: sim.credentials('trade'),
      readOnly: flags.readOnly,
      logger,
    });
    return {
      client,
      local: true,
      async close() {
        await client.close();
        await sim.close();
      },
    };
  }
  const fromEnv = clientOptionsFromEnv(env);
  const target = flags.baseUrl ?? fromEnv.baseUrl;
  if (
    fromEnv.credentials &&
    target !== undefined &&
    !isOfficialRestUrl(site ?? fromEnv.site ?? 'global', target)
  ) {
    // Never silent: the key goes somewhere that is not OKX.
    process.stderr.write(
      `note: key ${fromEnv.credentials.maskedKey} is sent to ${target}${!flags.baseUrl && isFromDotEnv(env, 'OKX_BASE_URL') ? ' (OKX_BASE_URL from .env)' : ''}, not an official OKX host\n`,
    );
  }
  const client = new OkxClient({
    ...fromEnv,
    ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.demo ? { demo: true } : {}),
    ...(site ? { site } : {}),
    readOnly: flags.readOnly,
    logger,
  });
  return { client, local: false, close: () => client.close() };
}

/** Runs `fn` with a client and always closes it (and the embedded exchange). */
export async function withClient<T>(flags: ClientFlags, fn: (c: OkxClient) => Promise<T>): Promise<T> {
  const h = await openClient(flags);
  try {
    return await fn(h.client);
  } finally {
    await h.close();
  }
}

export function parseIntFlag(
  name: string,
  v: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ValidationError(name, `'${v}' is not a whole number in ${min}..${max}`);
  }
  return Number(v);
}

export function parseDecimalFlag(name: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!/^(?:\d+(?:\.\d+)?|\.\d+)$/.test(v)) {
    throw new ValidationError(name, `'${v}' is not a positive decimal number`, 'e.g. 0.001 or 60000');
  }
  return v;
}

export function parseInstFlag(name: string, v: string | undefined): string {
  if (v === undefined) throw new ValidationError(name, 'is required', 'e.g. BTC-USDT');
  return checkInstId(v.toUpperCase(), name);
}

export function parseChoice<T extends string>(
  name: string,
  v: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v))
    throw new ValidationError(name, `'${v}' is not one of ${choices.join(', ')}`);
  return v as T;
}

/** Where commands print; tests swap `out` to capture output. */
export const io = {
  out: (text: string): void => {
    process.stdout.write(text);
  },
};

/** Output: JSON for scripts, else an aligned table of the chosen columns. */
export function output(
  flags: ClientFlags,
  rows: Array<Record<string, unknown>>,
  columns: string[],
  json: unknown = rows,
): void {
  if (flags.json) {
    io.out(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  io.out(formatTable(rows, columns));
}

export function formatTable(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cell = (v: unknown) =>
    v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return (
    [
      line(columns),
      line(widths.map((w) => '-'.repeat(w))),
      ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
    ].join('\n') + '\n'
  );
}

/** ms timestamp string -> ISO for tables. */
export function isoOf(ms: string | undefined): string {
  const n = Number(ms);
  return ms && Number.isFinite(n) && n > 0 ? new Date(n).toISOString() : '';
}
