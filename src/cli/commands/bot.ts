import type { Command } from 'commander';
import { openRedisKillStore, type RedisKillStore } from '../../cluster/kill-store.js';
import { openRedisLimiter, type RedisRateLimiter } from '../../cluster/redis-limiter.js';
import { redactRedisUrl, redisUrlFrom } from '../../cluster/redis.js';
import { openRedisRiskScope, type RedisRiskScope } from '../../cluster/risk-scope.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envWithDotEnv } from '../../client/env.js';
import type { Credentials } from '../../client/credentials.js';
import { OkxClient } from '../../client/okx-client.js';
import { AuditLog } from '../../security/audit-log.js';
import { checkKeyBeforeTrading, FORCE_UNSAFE_KEY_FLAG, WITHDRAW_RISK_FLAG } from '../../security/doctor.js';
import { defaultAuditLogPath } from '../../security/paths.js';
import { clientOptionsFor, resolveCredentials } from '../../security/resolve.js';
import { createHash } from 'node:crypto';
import {
  defaultStateDir,
  FileKillStore,
  KillSwitch,
  killScopeFor,
  MemoryKillStore,
} from '../../trading/kill-switch.js';
import { ValidationError, errorCode } from '../../util/errors.js';
import { BOT_KINDS, isBotKind, parseBotConfig } from '../../bots/config.js';
import { runBot } from '../../bots/run-bot.js';
import { formatSummary } from '../../bots/status-view.js';
import { controlRequest, controlSocketPath, type ControlRequest } from '../../ops/control.js';
import type { BotView } from '../../ops/supervisor.js';
import { io, formatTable } from '../common.js';
import { cliClientLogger, cliLogger } from '../logging.js';

/** The REST client's logger when --log-file asked for one. */
function clientLog(): { logger?: NonNullable<ReturnType<typeof cliClientLogger>> } {
  const l = cliClientLogger();
  return l ? { logger: l } : {};
}

interface BotRunFlags {
  config: string;
  redis?: string;
  redisProcesses?: string;
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
      `cannot read ${path} (${errorCode(err) ?? 'error'})`,
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

function botRow(b: BotView): Record<string, unknown> {
  return {
    id: b.id,
    kind: b.kind,
    instId: b.instId,
    state: b.status?.halted ? `${b.state} (halted)` : b.state,
    pid: b.pid ?? '',
    restarts: b.restarts,
    pnl: b.status?.pnl ?? '',
    equity: b.status?.equity ?? '',
    open: b.status?.openOrders ?? '',
    fills: b.status?.fills ?? '',
    lastError: b.lastError,
  };
}

const BOT_COLUMNS = [
  'id',
  'kind',
  'instId',
  'state',
  'pid',
  'restarts',
  'pnl',
  'equity',
  'open',
  'fills',
  'lastError',
];

/** One request to the supervisor of this OKXKIT_HOME (`okxkit up`), printed as a table or JSON. */
async function control(req: ControlRequest, json: boolean | undefined): Promise<void> {
  const r = await controlRequest(controlSocketPath(defaultStateDir()), req);
  if (json) {
    io.out(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  const rows = (Array.isArray(r) ? r : [r]).map(botRow);
  io.out(formatTable(rows, BOT_COLUMNS));
  if (!Array.isArray(r) && r.status?.riskHeadroom) io.out(`risk: ${r.status.riskHeadroom}\n`);
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
/** `okxkit bot run <kind> --config bot.json` (docs/REQUIREMENTS.md R27): grid, dca, trailing and the signal strategies. */
export function register(program: Command): void {
  const bot = program.command('bot').description('trading bots: grid, DCA, trailing stop');
  // long: a CLI command: flags parsed, the stack opened, the run and its status printing, exit code; each step short
  bot
    .command('list')
    .description('the bots of the running supervisor (`okxkit up`), over its control socket')
    .option('--json', 'print JSON')
    .action((f: { json?: boolean }) => control({ cmd: 'list' }, f.json));
  bot
    .command('status')
    .description("one supervised bot's state, PnL, orders and risk headroom")
    .argument('<id>', 'bot id')
    .option('--json', 'print JSON')
    .action((id: string, f: { json?: boolean }) => control({ cmd: 'status', id }, f.json));
  bot
    .command('stop')
    .description('stop a supervised bot (it cancels or keeps its orders as configured); it is not restarted')
    .argument('<id>', 'bot id')
    .option('--json', 'print JSON')
    .action((id: string, f: { json?: boolean }) => control({ cmd: 'stop', id }, f.json));
  bot
    .command('start')
    .description('start a stopped (or failed) supervised bot again')
    .argument('<id>', 'bot id')
    .option('--json', 'print JSON')
    .action((id: string, f: { json?: boolean }) => control({ cmd: 'start', id }, f.json));
  // long: one command's wiring in order (credentials, key check, Redis, client, stack, runner, summary); each step is a call
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
    .option(
      '--redis <url>',
      'share rate limits, the kill switch and the risk limits with other processes on the account (default: OKXKIT_REDIS_URL)',
    )
    .option(
      '--redis-processes <n>',
      'with --redis: the most processes on one key; without Redis each sends at most 1/N of every rule',
      '8',
    )
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
      const redisProcesses = Number(flags.redisProcesses ?? '8');
      if (!/^\d+$/.test(flags.redisProcesses ?? '8') || redisProcesses < 1 || redisProcesses > 1000)
        throw new ValidationError(
          '--redis-processes',
          `'${flags.redisProcesses}' is not a whole number of processes from 1 to 1000`,
          'give the most processes that share one key, e.g. --redis-processes 8',
        );
      const config = parseBotConfig(kind, readConfig(flags.config));
      const statePath =
        flags.state ?? (flags.sim ? ':memory:' : join(defaultStateDir(), 'bots', `${config.id}.sqlite`));
      const journalPath =
        statePath === ':memory:' ? ':memory:' : statePath.replace(/(\.sqlite)?$/, '.journal.sqlite');

      let client: OkxClient;
      let credentials: Credentials;
      let keyCheck: () => Promise<unknown>;
      let closeSim: (() => Promise<void>) | undefined;
      let shared:
        { limiter: RedisRateLimiter; store: RedisKillStore; url: string; risk?: RedisRiskScope } | undefined;
      let killSwitch: KillSwitch;
      const auditLog = new AuditLog(defaultAuditLogPath());
      if (flags.sim) {
        const { startSimulator } = await import('../../sim/simulator.js');
        const seed = positiveInt('--seed', flags.seed);
        const sim = await startSimulator({ seed });
        closeSim = () => sim.close();
        process.stderr.write(
          `note: trading on the embedded local exchange at ${sim.restUrl} (seed ${seed}); nothing reaches OKX\n`,
        );
        credentials = sim.credentials('trade');
        client = new OkxClient({ baseUrl: sim.restUrl, credentials, ...clientLog() });
        keyCheck = () => checkKeyBeforeTrading(client, { warn: (t) => process.stderr.write(t) });
        // The embedded exchange ends with this process, and so does a halt on it: it never
        // touches a live scope (only `okxkit kill --all` reaches it from outside).
        killSwitch = new KillSwitch({
          scope: 'sim-embedded',
          store: new MemoryKillStore(),
          allStore: new FileKillStore(),
        });
      } else {
        const creds = await resolveCredentials({
          ...(flags.profile ? { profile: flags.profile } : {}),
          env: envWithDotEnv(process.env),
        });
        if (creds.readOnly) {
          throw new ValidationError(
            flags.profile ? '--profile' : 'OKXKIT_READ_ONLY',
            'is read-only: this key cannot trade (read-only)',
            'use a profile with a trade-permission key',
          );
        }
        credentials = creds.credentials;
        // Several processes or machines on one account: the limiter and the kill switch on Redis.
        const redisUrl = redisUrlFrom(flags.redis, envWithDotEnv(process.env));
        if (redisUrl !== undefined) {
          const limiter = openRedisLimiter(redisUrl, {
            processes: redisProcesses,
            onMode: (mode, why) => process.stderr.write(`rate limiter: ${mode} (${why})\n`),
          });
          const store = await openRedisKillStore(redisUrl);
          shared = { limiter, store, url: redisUrl };
          process.stderr.write(
            `note: rate limits, the kill switch and the risk limits shared through ${redactRedisUrl(redisUrl)}\n`,
          );
        }
        client = new OkxClient({
          ...clientOptionsFor(creds, flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
          ...(shared ? { limiter: shared.limiter } : {}),
          ...clientLog(),
        });
        keyCheck = () =>
          checkKeyBeforeTrading(client, {
            demo: creds.demo,
            site: creds.site,
            ...(creds.profile ? { profile: creds.profile } : {}),
            ...(creds.vaultPath ? { vaultPath: creds.vaultPath } : {}),
            allowWithdraw: creds.allowWithdraw || !!flags.iUnderstandWithdrawRisk,
            force: !!flags.forceUnsafeKey,
            auditLog,
            warn: (t) => process.stderr.write(t),
          });
        killSwitch = new KillSwitch({
          scope: killScopeFor({ baseUrl: client.baseUrl, demo: creds.demo, apiKey: credentials.apiKey }),
          ...(shared ? { store: shared.store } : {}),
        });
      }
      try {
        // The account's risk scope: named like its kill switch (venue and a hash of the key).
        if (shared)
          shared.risk = await openRedisRiskScope(shared.url, {
            account: killSwitch.scope,
            member: config.id,
          });
      } catch (err) {
        await shared?.store.close();
        await shared?.limiter.close(true);
        throw err;
      }
      const configHash = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
      const ks = killSwitch.state();
      if (ks.halted) {
        process.stderr.write(
          `HALTED: the kill switch of scope ${ks.scope ?? killSwitch.scope} is engaged (${ks.why}, by ${ks.by}); ` +
            `the bot places no orders until \`okxkit resume --scope ${ks.scope ?? killSwitch.scope} --why ...\`\n`,
        );
      }
      auditLog.append({
        action: 'bot.started',
        details: {
          bot: config.id,
          kind,
          instId: config.instId,
          configHash,
          scope: killSwitch.scope,
          sim: !!flags.sim,
        },
        why: `okxkit bot run ${kind}`,
      });
      let stopReason = '';
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
            // With --json, stdout carries the summary only: the live status goes to stderr.
            out: flags.json ? process.stderr : process.stdout,
            lineEveryMs: statusEvery * 1000,
            killSwitch,
            ...(shared?.risk ? { riskScope: shared.risk } : {}),
            audit: auditLog,
            ...(cliLogger() ? { logger: cliLogger() } : {}),
            onEvent: (e) => {
              if (e.type === 'warning' || e.type === 'halted') process.stderr.write(`${e.type}: ${e.text}\n`);
            },
            onTrouble: (t) => process.stderr.write(`trouble: ${t}\n`),
            onStopReason: (r) => (stopReason = r),
          }),
        );
        auditLog.append({
          action: 'bot.stopped',
          details: {
            bot: config.id,
            kind,
            configHash,
            ordersPlaced: summary.ordersPlaced,
            fills: summary.fills,
            halted: summary.halted ?? '',
            lastError: summary.lastError,
          },
          why: stopReason || 'stopped',
        });
        process.stdout.write(
          flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`,
        );
        // A bot stopped by a halt or by repeated refusals did not do its job: say so in the exit code.
        if (summary.halted || stopReason) {
          process.stderr.write(`bot ${config.id} ${stopReason || `ended halted: ${summary.halted}`}\n`);
          process.exitCode = 3;
        }
      } finally {
        await client.close();
        await closeSim?.();
        await shared?.store.close();
        await shared?.risk?.close();
        await shared?.limiter.close(true);
      }
    });
}
