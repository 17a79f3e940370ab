import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envWithDotEnv } from '../../client/env.js';
import type { Credentials } from '../../client/credentials.js';
import { OkxClient } from '../../client/okx-client.js';
import { AuditLog } from '../../security/audit-log.js';
import { checkKeyBeforeTrading, FORCE_UNSAFE_KEY_FLAG, WITHDRAW_RISK_FLAG } from '../../security/doctor.js';
import { defaultAuditLogPath } from '../../security/paths.js';
import { clientOptionsFor, resolveCredentials } from '../../security/resolve.js';
import { defaultStateDir, KillSwitch } from '../../trading/kill-switch.js';
import { ValidationError } from '../../util/errors.js';
import { BOT_KINDS, isBotKind, parseBotConfig } from '../../bots/config.js';
import { runBot } from '../../bots/run-bot.js';
import { formatSummary } from '../../bots/status-view.js';

interface BotRunFlags {
  config: string;
  profile?: string;
  sim?: boolean;
  seed: string;
  baseUrl?: string;
  seconds?: string;
  cancelOnExit?: boolean;
  state?: string;
  iUnderstandWithdrawRisk?: boolean;
  forceUnsafeKey?: boolean;
  statusEvery: string;
  json?: boolean;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
    throw new ValidationError(flag, `'${v}' is not a whole number of seconds`, `e.g. ${flag} 60`);
  }
  return n;
}

function readConfig(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(
      '--config',
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'give the path of a JSON bot config',
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError(
      '--config',
      `${path} is not valid JSON (${(err as Error).message})`,
      'fix the JSON syntax',
    );
  }
}

/** Runs fn with an AbortSignal that fires on SIGINT / SIGTERM. */
async function untilSignal<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** `okxkit bot run <kind> --config bot.json` (R27): grid, dca, trailing and the signal strategies. */
export function register(program: Command): void {
  const bot = program.command('bot').description('trading bots: grid, DCA, trailing stop');
  bot
    .command('run')
    .description('run a bot until Ctrl-C (or --seconds); it resumes from its state after a restart')
    .argument('<kind>', BOT_KINDS.join(' | '))
    .requiredOption('--config <file>', 'bot config, JSON (see the README for each kind)')
    .option(
      '--profile <name>',
      'vault profile holding the key (default: OKXKIT_PROFILE, else OKX_API_KEY/OKX_SECRET_KEY/OKX_PASSPHRASE)',
    )
    .option('--sim', 'trade on the embedded local exchange (no keys, nothing reaches OKX)')
    .option('--seed <n>', 'the local exchange seed with --sim', '7')
    .option(
      '--base-url <url>',
      'REST base URL, e.g. a local exchange started with `okxkit sim` (default: OKX_BASE_URL, else OKX)',
    )
    .option('--seconds <n>', 'stop after N seconds (default: run until Ctrl-C or SIGTERM)')
    .option(
      '--cancel-on-exit',
      "cancel the bot's open orders when it stops (they are placed again on the next start)",
    )
    .option(
      '--state <file>',
      'bot state, SQLite (default: $OKXKIT_HOME/bots/<id>.sqlite; in memory with --sim)',
    )
    .option(WITHDRAW_RISK_FLAG, 'trade even with a key that can withdraw (loudly logged and audited)')
    .option(FORCE_UNSAFE_KEY_FLAG, 'trade even when other key checks fail (loudly logged and audited)')
    .option('--status-every <sec>', 'without a terminal, print a status line every N seconds', '10')
    .option('--json', 'print the end-of-run summary as JSON')
    .action(async (kind: string, flags: BotRunFlags) => {
      if (!isBotKind(kind))
        throw new ValidationError(
          'kind',
          `'${kind}' is not a bot kind`,
          `use one of ${BOT_KINDS.join(', ')}`,
        );
      if (flags.sim && flags.profile)
        throw new ValidationError('--sim', 'cannot be combined with --profile', 'use one of them');
      const seconds = flags.seconds !== undefined ? positiveInt('--seconds', flags.seconds) : undefined;
      const statusEvery = positiveInt('--status-every', flags.statusEvery);
      const config = parseBotConfig(kind, readConfig(flags.config));
      const statePath =
        flags.state ?? (flags.sim ? ':memory:' : join(defaultStateDir(), 'bots', `${config.id}.sqlite`));
      const journalPath =
        statePath === ':memory:' ? ':memory:' : statePath.replace(/(\.sqlite)?$/, '.journal.sqlite');

      let client: OkxClient;
      let credentials: Credentials;
      let keyCheck: () => Promise<unknown>;
      let closeSim: (() => Promise<void>) | undefined;
      if (flags.sim) {
        const { startSimulator } = await import('../../sim/simulator.js');
        const seed = positiveInt('--seed', flags.seed);
        const sim = await startSimulator({ seed });
        closeSim = () => sim.close();
        process.stderr.write(
          `note: trading on the embedded local exchange at ${sim.restUrl} (seed ${seed}); nothing reaches OKX\n`,
        );
        credentials = sim.credentials('trade');
        client = new OkxClient({ baseUrl: sim.restUrl, credentials });
        keyCheck = () => checkKeyBeforeTrading(client);
      } else {
        const creds = await resolveCredentials({
          ...(flags.profile ? { profile: flags.profile } : {}),
          env: envWithDotEnv(process.env),
        });
        if (creds.readOnly) {
          throw new ValidationError(
            flags.profile ? '--profile' : 'OKXKIT_READ_ONLY',
            'is read-only: a bot needs a trading key',
            'use a profile with a trade-permission key',
          );
        }
        credentials = creds.credentials;
        client = new OkxClient(clientOptionsFor(creds, flags.baseUrl ? { baseUrl: flags.baseUrl } : {}));
        const auditLog = new AuditLog(defaultAuditLogPath());
        keyCheck = () =>
          checkKeyBeforeTrading(client, {
            demo: creds.demo,
            site: creds.site,
            ...(creds.profile ? { profile: creds.profile } : {}),
            ...(creds.vaultPath ? { vaultPath: creds.vaultPath } : {}),
            allowWithdraw: creds.allowWithdraw || !!flags.iUnderstandWithdrawRisk,
            force: !!flags.forceUnsafeKey,
            auditLog,
          });
      }
      try {
        const summary = await untilSignal((signal) =>
          runBot({
            config,
            client,
            keyCheck,
            statePath,
            journalPath,
            ...(seconds !== undefined ? { seconds } : {}),
            signal,
            cancelOnExit: !!flags.cancelOnExit,
            // Order updates and fills stream over the private WebSocket with the same key.
            streams: { credentials },
            out: process.stdout,
            lineEveryMs: statusEvery * 1000,
            killSwitch: new KillSwitch(),
          }),
        );
        process.stdout.write(
          flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`,
        );
      } finally {
        await client.close();
        await closeSim?.();
      }
    });
}
