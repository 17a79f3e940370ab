import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { envWithDotEnv } from '../../client/env.js';
import { alertsFromConfig, readAlertsConfigFile } from '../../ops/alerts/config.js';
import { startAlertReceiver } from '../../ops/alerts/receiver.js';
import { readEnvValue } from '../../client/credentials.js';
import { defaultVaultPath } from '../../security/paths.js';
import { vaultPassphraseFrom } from '../../security/resolve.js';
import { Vault } from '../../security/vault.js';
import { ValidationError } from '../../util/errors.js';
import { io, parseIntFlag } from '../common.js';
import { cliLogger } from '../logging.js';

interface TestOpts {
  config: string;
  json?: boolean;
  vault?: string;
  retries?: string;
  message?: string;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
export function register(program: Command): void {
  const alerts = program
    .command('alerts')
    .description('alert channels (webhook, Slack, Telegram, Discord, email): test them, store their secrets');

  alerts
    .command('test')
    .description(
      'send one test alert to every configured channel and print each outcome (exit 1 if any failed)',
    )
    .requiredOption(
      '-c, --config <file>',
      'alerts config (YAML or JSON): a bots.yaml with an alerts: section, or the section alone',
    )
    .option(
      '--vault <path>',
      'vault holding { vault: NAME } secrets (default: OKXKIT_VAULT or ~/.okxkit/vault.json)',
    )
    .option('--retries <n>', 'extra tries per channel after a retryable failure', '0')
    .option('--message <text>', 'the test alert text')
    .option('--json', 'print the outcomes as JSON')
    .action(async (opts: TestOpts) => {
      const section = await readAlertsConfigFile(opts.config);
      const retries = parseIntFlag('--retries', opts.retries, 0, 10) ?? 0;
      const hub = await alertsFromConfig(
        section && typeof section === 'object' ? { ...section, retries } : section,
        {
          env: envWithDotEnv(process.env),
          ...(opts.vault ? { vaultPath: opts.vault } : {}),
          ...(cliLogger() ? { logger: cliLogger() } : {}),
        },
      );
      try {
        if (hub.channels.length === 0)
          throw new ValidationError('alerts.channels', 'is empty', 'configure at least one channel to test');
        const outcomes = await hub.test(opts.message);
        if (opts.json) io.out(`${JSON.stringify(outcomes, null, 2)}\n`);
        else
          for (const o of outcomes)
            io.out(
              `${o.ok ? 'ok  ' : 'FAIL'}  ${o.channel} (${o.type})${o.ok ? '' : `: ${o.error}`}${o.attempts > 1 ? ` [${o.attempts} tries]` : ''}\n`,
            );
        const failed = outcomes.filter((o) => !o.ok).length;
        if (!opts.json)
          io.out(`${outcomes.length - failed} of ${outcomes.length} channel(s) delivered the test alert\n`);
        if (failed) process.exitCode = 1;
      } finally {
        await hub.close();
      }
    });

  alerts
    .command('receiver')
    .description(
      'TEST RECEIVER, not a service: a local endpoint standing in for a webhook / Slack / Discord / Telegram, printing what it gets',
    )
    .requiredOption('--port <n>', 'port to listen on (loopback)')
    .option('--secret-env <NAME>', 'check webhook signatures with the secret in NAME (or NAME_FILE)')
    .option('--seconds <n>', 'stop after this many seconds (default: until Ctrl-C / SIGTERM)')
    .action(async (opts: { port: string; secretEnv?: string; seconds?: string }) => {
      const port = parseIntFlag('--port', opts.port, 1, 65535)!;
      const seconds =
        opts.seconds === undefined ? undefined : parseIntFlag('--seconds', opts.seconds, 1, 86_400);
      const secret = opts.secretEnv ? readEnvValue(process.env, opts.secretEnv) : undefined;
      if (opts.secretEnv && !secret)
        throw new ValidationError(
          '--secret-env',
          `${opts.secretEnv} (or ${opts.secretEnv}_FILE) is not set`,
          'set it to the webhook secret',
        );
      const rx = await startAlertReceiver({
        port,
        ...(secret ? { secret } : {}),
        onAlert: (r) => {
          let what = r.body.slice(0, 200);
          try {
            const b = JSON.parse(r.body) as {
              kind?: string;
              message?: string;
              text?: string;
              content?: string;
            };
            what = b.kind ? `${b.kind}: ${b.message ?? ''}` : (b.text ?? b.content ?? what);
          } catch {
            // not JSON: shown as it came
          }
          const sig =
            r.signature === undefined || r.signature === 'unsigned'
              ? ''
              : r.signature === 'ok'
                ? ' [signature ok]'
                : ` [signature BAD: ${r.signature}]`;
          io.out(`received ${r.path.replace(/\/bot[^/]+\//, '/bot***/')}${sig}: ${what.split('\n')[0]}\n`);
        },
      });
      process.stderr.write(`test alert receiver on ${rx.url} (not a service: for trying channels locally)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (seconds) setTimeout(stop, seconds * 1000).unref();
      });
      await rx.close();
    });

  const secret = alerts
    .command('secret')
    .description('channel secrets in the vault (a config names them as { vault: NAME })');
  secret
    .command('set <name>')
    .description(
      'store a channel secret (token, webhook URL, SMTP password) in the vault; the value is read from stdin or --from-file',
    )
    .option('--from-file <path>', 'read the value from this file instead of stdin')
    .option('--vault <path>', 'vault file (default: OKXKIT_VAULT or ~/.okxkit/vault.json)')
    .action(async (name: string, opts: { fromFile?: string; vault?: string }) => {
      let value: string;
      if (opts.fromFile) {
        try {
          value = readFileSync(opts.fromFile, 'utf8');
        } catch (err) {
          throw new ValidationError(
            '--from-file',
            `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
            'check the path',
          );
        }
      } else {
        if (process.stdin.isTTY)
          throw new ValidationError(
            'value',
            'is read from stdin, which is a terminal',
            'pipe it in or use --from-file',
          );
        value = await readStdin();
      }
      value = value.replace(/\r?\n$/, '');
      const path = opts.vault ?? defaultVaultPath(process.env);
      const passphrase = await vaultPassphraseFrom({ env: process.env });
      const vault = await Vault.open(path, passphrase, { create: true });
      vault.setSecret(name, value);
      await vault.save();
      io.out(`stored secret ${name} in ${path} (use it as { vault: ${name} })\n`);
    });
  secret
    .command('list')
    .description('names of the channel secrets in the vault (never their values)')
    .option('--vault <path>', 'vault file (default: OKXKIT_VAULT or ~/.okxkit/vault.json)')
    .action(async (opts: { vault?: string }) => {
      const path = opts.vault ?? defaultVaultPath(process.env);
      const vault = await Vault.open(path, await vaultPassphraseFrom({ env: process.env }));
      const names = vault.secretNames();
      io.out(names.length ? `${names.join('\n')}\n` : '(none)\n');
    });
}
