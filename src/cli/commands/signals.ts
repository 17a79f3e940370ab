import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readEnvValue } from '../../client/credentials.js';
import { envWithDotEnv, clientOptionsFromEnv, hasCredentialsInEnv } from '../../client/env.js';
import { AuditLog } from '../../security/audit-log.js';
import { checkKeyBeforeTrading } from '../../security/doctor.js';
import { defaultAuditLogPath, defaultVaultPath } from '../../security/paths.js';
import { vaultPassphraseFrom } from '../../security/resolve.js';
import { Vault } from '../../security/vault.js';
import { Alerts, ConsoleSink } from '../../trading/alerts.js';
import {
  defaultStateDir,
  FileKillStore,
  KillSwitch,
  killScopeFor,
  MemoryKillStore,
} from '../../trading/kill-switch.js';
import { openTradingStack } from '../../bots/session.js';
import { parseSignalsConfig, resolveSecretRef } from '../../signals/config.js';
import { SignalEngine, type ResolvedSource } from '../../signals/engine.js';
import { startSignalServer } from '../../signals/server.js';
import { SignalStore, type SignalRecord } from '../../signals/store.js';
import { ValidationError } from '../../util/errors.js';
import { addClientFlags, io, openClient, output, parseIntFlag, type ClientFlags } from '../common.js';

interface ServeFlags extends ClientFlags {
  config?: string;
  port: string;
  host: string;
  trustProxy?: string;
  requireHttps?: boolean;
  maxBody: string;
  db?: string;
  seconds?: string;
}

/** Where the signals record lives unless --db says otherwise. */
function defaultDb(): string {
  return join(defaultStateDir(), 'signals', 'signals.sqlite');
}

function readConfig(path: string | undefined): unknown {
  if (!path)
    throw new ValidationError('--config', 'is required', 'the sources file, e.g. --config signals.yaml');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(
      '--config',
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new ValidationError('--config', `${path} is not YAML or JSON: ${(err as Error).message}`);
  }
}

/** One line per signal for the terminal. */
function line(r: SignalRecord): string {
  const orders = r.orders
    .map((o) => `${o.side} ${o.sz} ${o.instId} ${o.state || 'sent'}${o.avgPx ? ` @ ${o.avgPx}` : ''}`)
    .join('; ');
  return `${new Date(r.receivedMs).toISOString()} #${r.seq} ${r.source || '?'}/${r.signalId || '?'} ${r.action} ${r.instId} -> ${r.status} ${r.code}${r.field ? ` (${r.field})` : ''}${orders ? `: ${orders}` : ''}${r.status === 'accepted' || r.status === 'duplicate' ? '' : `: ${r.reason}`}\n`;
}

/** `okxkit signals serve|log|secret`: external signals in, as guarded exactly-once orders (docs/SIGNALS.md). */
// long: the three subcommands' registrations, as the other command files
export function register(program: Command): void {
  const signals = program
    .command('signals')
    .description('accept signals (TradingView-style webhooks, scripts) as guarded, exactly-once orders');

  // long: serve composes config, secrets, client, trading stack, engine and server, then waits
  addClientFlags(
    signals
      .command('serve')
      .description('run the webhook endpoint: POST /signal/<source> (see docs/SIGNALS.md)')
      .option('--config <file>', 'the sources file (YAML or JSON): auth, secret reference, limits')
      .option('--port <n>', 'port to listen on', '8787')
      .option('--host <addr>', 'address to bind (loopback by default: put a TLS proxy in front)', '127.0.0.1')
      .option(
        '--trust-proxy <ips>',
        'comma-separated proxy addresses whose X-Forwarded-For/-Proto are believed',
      )
      .option('--require-https', 'refuse signals that did not arrive over HTTPS (per the trusted proxy)')
      .option('--max-body <bytes>', 'largest signal body accepted', '16384')
      .option('--db <file>', 'the signals record (SQLite; default $OKXKIT_HOME/signals/signals.sqlite)')
      .option('--seconds <n>', 'stop after N seconds (default: until Ctrl-C or SIGTERM)'),
  ).action(async (flags: ServeFlags) => {
    const config = parseSignalsConfig(readConfig(flags.config));
    const port = parseIntFlag('--port', flags.port, 0, 65535)!;
    const maxBody = parseIntFlag('--max-body', flags.maxBody, 256, 10_000_000)!;
    const seconds = parseIntFlag('--seconds', flags.seconds, 1, 10_000_000);
    const env = envWithDotEnv(process.env);
    // Secrets: each source's from the vault (opened once, only if one is named) or the environment.
    let vault: Vault | undefined;
    const needsVault = Object.values(config.sources).some((s) => s.secret.startsWith('vault:'));
    if (needsVault) {
      const pass = await vaultPassphraseFrom({ env });
      vault = await Vault.open(flags.vault ?? defaultVaultPath(), pass);
    }
    const sources: Record<string, ResolvedSource> = {};
    for (const [name, s] of Object.entries(config.sources)) {
      const secretValue = resolveSecretRef(
        s.secret,
        {
          env: (n) => readEnvValue(env, n),
          ...(vault ? { vault: (n: string) => vault.secret(n) } : {}),
        },
        `sources.${name}.secret`,
      );
      sources[name] = { ...s, secretValue };
    }
    const h = await openClient(flags, env);
    const auditLog = new AuditLog(defaultAuditLogPath());
    const killSwitch = h.local
      ? new KillSwitch({ scope: 'sim-embedded', store: new MemoryKillStore(), allStore: new FileKillStore() })
      : new KillSwitch({
          scope: killScopeFor({
            baseUrl: h.client.baseUrl,
            demo: h.client.demo,
            ...(hasCredentialsInEnv(env) && clientOptionsFromEnv(env).credentials
              ? { apiKey: clientOptionsFromEnv(env).credentials!.apiKey }
              : {}),
          }),
        });
    const trouble = (err: unknown) =>
      process.stderr.write(`warning: ${err instanceof Error ? err.message : String(err)}\n`);
    let stack;
    try {
      stack = await openTradingStack({
        client: h.client,
        journalPath: h.local ? ':memory:' : join(defaultStateDir(), 'signals', 'orders.journal.sqlite'),
        ws: false,
        deadMan: false,
        killSwitch,
        audit: auditLog,
        onPollError: trouble,
        ...(h.local
          ? {}
          : { keyCheck: () => checkKeyBeforeTrading(h.client, { warn: (t) => process.stderr.write(t) }) }),
      });
    } catch (err) {
      await h.close();
      throw err;
    }
    const store = new SignalStore(flags.db ?? defaultDb());
    const alerts = new Alerts({ sinks: [new ConsoleSink()] });
    const risk = stack.risk;
    const engine = new SignalEngine({
      port: stack.port,
      store,
      sources,
      haltReason: () => risk.haltReason(),
      audit: auditLog,
      alerts,
      onSignal: (r) => io.out(line(r)),
    });
    const trustProxy = (flags.trustProxy ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const server = await startSignalServer({
      engine,
      host: flags.host,
      port,
      maxBodyBytes: maxBody,
      trustProxy,
      ...(flags.requireHttps ? { requireHttps: true } : {}),
    });
    process.stderr.write(
      `signals: listening on ${server.url} (POST /signal/<source>; sources ${Object.keys(sources).join(', ')}; GET /metrics from this machine), record ${flags.db ?? defaultDb()}${h.local ? ', trading on the embedded local exchange' : ''}\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (seconds !== undefined) setTimeout(stop, seconds * 1000).unref();
    });
    await server.close();
    engine.close();
    store.close();
    await stack.close();
    await h.close();
    process.stderr.write('signals: stopped\n');
  });

  signals
    .command('log')
    .description(
      'received signals and what became of them (accepted, refused with the reason, orders, fills)',
    )
    .option('--limit <n>', 'the newest N', '50')
    .option('--source <name>', 'only this source')
    .option('--db <file>', 'the signals record (default $OKXKIT_HOME/signals/signals.sqlite)')
    .option('--json', 'print JSON for scripts instead of a table')
    .action((flags: { limit: string; source?: string; db?: string; json?: boolean }) => {
      const limit = parseIntFlag('--limit', flags.limit, 1, 100_000)!;
      const store = new SignalStore(flags.db ?? defaultDb());
      try {
        const rows = store.list({ limit, ...(flags.source ? { source: flags.source } : {}) });
        output(
          flags,
          rows.map((r) => ({
            seq: r.seq,
            time: new Date(r.receivedMs).toISOString(),
            source: r.source,
            id: r.signalId,
            action: r.action,
            instId: r.instId,
            status: r.status,
            code: r.code,
            field: r.field,
            orders: r.orders
              .map((o) => `${o.side} ${o.sz} ${o.state || 'sent'}${o.avgPx ? ` @ ${o.avgPx}` : ''}`)
              .join('; '),
            reason: r.reason,
          })),
          ['seq', 'time', 'source', 'id', 'action', 'instId', 'status', 'code', 'field', 'orders', 'reason'],
          rows,
        );
      } finally {
        store.close();
      }
    });

  signals
    .command('secret <name>')
    .description(
      "store a source's secret in the vault (from OKXKIT_SIGNAL_SECRET, else a new random one, printed once)",
    )
    .option('--vault <path>', 'vault file (default: OKXKIT_VAULT or ~/.okxkit/vault.json)')
    .action(async (name: string, flags: { vault?: string }) => {
      const env = envWithDotEnv(process.env);
      const given = readEnvValue(env, 'OKXKIT_SIGNAL_SECRET');
      const value = given ?? randomBytes(24).toString('base64url');
      const pass = await vaultPassphraseFrom({ env });
      const path = flags.vault ?? defaultVaultPath();
      const vault = await Vault.open(path, pass, { create: true });
      vault.setSecret(name, value);
      await vault.save();
      io.out(`stored secret "${name}" in ${path}; reference it as secret: vault:${name}\n`);
      if (!given) io.out(`${value}\n(shown once: give it to the signal source)\n`);
    });
}
