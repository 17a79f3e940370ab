import type { Command } from 'commander';
import { ValidationError, errorCode, errorText } from '../../util/errors.js';
import { AuditLog, defaultOperator } from '../../security/audit-log.js';
import { defaultAuditLogPath } from '../../security/paths.js';
import {
  ALL_SCOPE,
  checkScope,
  FileKillStore,
  KillSwitch,
  type KillStore,
  killScopeFor,
  type KillState,
} from '../../trading/kill-switch.js';
import { clientOptionsFromEnv, envWithDotEnv, hasCredentialsInEnv } from '../../client/env.js';
import { OkxExchange } from '../../trading/okx-exchange.js';
import { openClient } from '../common.js';
import { Alerts, ConsoleSink, WebhookSink } from '../../trading/alerts.js';
import { openRedisKillStore, type RedisKillStore } from '../../cluster/kill-store.js';
import { redisUrlFrom } from '../../cluster/redis.js';

interface KillOpts {
  why?: string;
  scope?: string;
  all?: boolean;
  list?: boolean;
  operator?: string;
  state?: string;
  auditLog?: string;
  json?: boolean;
  cancelOpen?: boolean;
  baseUrl?: string;
  demo?: boolean;
  site?: string;
  alertWebhook?: string;
  redis?: string;
}

/**
 * Where the states live: Redis when --redis or OKXKIT_REDIS_URL names one (every process on the
 * account, on any machine, sees a halt within a second), else the files under $OKXKIT_HOME.
 */
async function openStore(opts: KillOpts): Promise<{ store: KillStore; redis?: RedisKillStore }> {
  const url = opts.state ? undefined : redisUrlFrom(opts.redis, envWithDotEnv(process.env));
  if (url === undefined) return { store: new FileKillStore() };
  const redis = await openRedisKillStore(url);
  return { store: redis, redis };
}

/** Waits for the writes to reach Redis (a kill that did not get there fails loudly), then closes. */
async function closeStore(s: { redis?: RedisKillStore }): Promise<void> {
  if (!s.redis) return;
  try {
    await s.redis.flush();
  } finally {
    await s.redis.close();
  }
}

/** Alerts for a kill/resume: stderr, plus the webhook of --alert-webhook or OKXKIT_ALERT_WEBHOOK. */
async function alert(
  opts: KillOpts,
  kind: 'kill-switch',
  message: string,
  details: Record<string, unknown>,
): Promise<void> {
  const url = opts.alertWebhook ?? process.env.OKXKIT_ALERT_WEBHOOK;
  const alerts = new Alerts({ sinks: [new ConsoleSink(), ...(url ? [new WebhookSink({ url })] : [])] });
  await alerts.emit({ kind, severity: 'critical', message, details });
}

/** A cancel that failed, and why (kept in the audit record, printed as a warning). */
interface CancelError {
  instId: string;
  ordId: string;
  code: string | undefined;
  message: string;
}

function cancelErrorText(e: CancelError): string {
  return `${e.instId} ${e.ordId}${e.code ? ` (${e.code})` : ''}: ${e.message}`;
}

/** Cancels every open spot order of the configured account now; never on an embedded exchange. */
async function cancelOpen(
  opts: KillOpts,
): Promise<{ cancelled: number; failed: number; errors: CancelError[] } | undefined> {
  const handle = await openClient({ baseUrl: opts.baseUrl, demo: opts.demo, site: opts.site });
  try {
    if (handle.local) {
      process.stderr.write(
        'note: no exchange configured (credentials / OKX_BASE_URL): no orders cancelled\n',
      );
      return undefined;
    }
    const okx = new OkxExchange({ client: handle.client });
    let cancelled = 0;
    let failed = 0;
    const errors: CancelError[] = [];
    for (const o of await okx.openOrders()) {
      try {
        await okx.cancelOrder({ instId: o.instId, ordId: o.ordId });
        cancelled++;
      } catch (err) {
        failed++;
        const e = { instId: o.instId, ordId: o.ordId, code: errorCode(err), message: errorText(err) };
        errors.push(e);
        process.stderr.write(`warning: cancel of ${cancelErrorText(e)}\n`);
      }
    }
    return { cancelled, failed, errors };
  } finally {
    await handle.close();
  }
}

/**
 * The switches a kill / resume acts on: --state FILE (one file), --all (every scope), --scope S,
 * else the scope of the key configured in the environment (OKX_API_KEY, OKX_BASE_URL, OKX_DEMO);
 * with no key configured, kill halts every scope (when in doubt, halt).
 */
function switches(
  opts: KillOpts,
  verb: 'kill' | 'resume',
  store: KillStore,
): { list: KillSwitch[]; note?: string } {
  if (opts.state) return { list: [new KillSwitch({ path: opts.state })] };
  if (opts.all) {
    const scopes = new Set([ALL_SCOPE, ...(verb === 'resume' ? store.scopes() : [])]);
    return { list: [...scopes].map((scope) => new KillSwitch({ scope, store })) };
  }
  if (opts.scope) return { list: [new KillSwitch({ scope: checkScope(opts.scope), store })] };
  const env = envWithDotEnv(process.env);
  if (!hasCredentialsInEnv(env)) {
    if (verb === 'resume')
      throw new ValidationError(
        '--scope',
        'no key is configured, so there is no scope to resume',
        'give --scope (see `okxkit kill --list`) or --all',
      );
    return {
      list: [new KillSwitch({ scope: ALL_SCOPE, store })],
      note: 'no key configured (OKX_API_KEY etc.): halting every scope (--all)',
    };
  }
  const o = clientOptionsFromEnv(env);
  const scope = killScopeFor({
    ...(opts.baseUrl || o.baseUrl ? { baseUrl: opts.baseUrl ?? o.baseUrl } : {}),
    demo: !!(opts.demo || o.demo),
    ...(o.credentials ? { apiKey: o.credentials.apiKey } : {}),
  });
  return { list: [new KillSwitch({ scope, store })] };
}

function print(opts: KillOpts, results: Array<{ ks: KillSwitch; state: KillState }>): void {
  if (opts.json) {
    const rows = results.map((r) => ({ ...r.state, scope: r.ks.scope, path: r.ks.path }));
    process.stdout.write(`${JSON.stringify(rows.length === 1 ? rows[0] : rows)}\n`);
    return;
  }
  for (const { ks, state } of results) {
    const when = new Date(state.since).toISOString();
    const scope = ks.scope === ALL_SCOPE ? 'scope all (every venue and key)' : `scope ${ks.scope}`;
    process.stdout.write(
      state.halted
        ? `kill switch ENGAGED for ${scope} at ${when} by ${state.by}: ${state.why}\nRunning okxkit bots of this scope stop placing orders and cancel their open orders.\n`
        : `kill switch released for ${scope} at ${when} by ${state.by}: ${state.why}\n`,
    );
    const still = ks.state();
    if (!state.halted && still.halted)
      process.stdout.write(
        `still HALTED by scope ${still.scope ?? ALL_SCOPE}: ${still.why} (okxkit resume --all lifts it)\n`,
      );
  }
}

function withCommon(cmd: Command, whyRequired: boolean): Command {
  const c = whyRequired
    ? cmd.requiredOption('--why <text>', 'justification, recorded in the audit trail')
    : cmd.option('--why <text>', 'reason, recorded in the audit trail (default: "no reason given")');
  return c
    .option('--scope <scope>', 'the venue and key to act on (default: the key in the environment)')
    .option('--all', 'every scope: all venues, accounts and keys on this machine')
    .option('--operator <name>', 'who is acting (default: the OS user)')
    .option('--state <file>', 'one kill switch state file instead of the scopes under $OKXKIT_HOME')
    .option('--audit-log <file>', 'audit trail (default: $OKXKIT_AUDIT_LOG or $OKXKIT_HOME/audit.jsonl)')
    .option('--json', 'print the state as JSON')
    .option('--list', 'only list the scopes and their states')
    .option('--redis <url>', 'the shared kill switch on Redis (default: OKXKIT_REDIS_URL; else files)');
}

function listScopes(opts: KillOpts, store: KillStore): void {
  const rows = store.scopes().map((scope) => ({ scope, ...new KillSwitch({ scope, store }).ownState() }));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  if (!rows.length) process.stdout.write('no kill switch state: nothing halted\n');
  for (const r of rows)
    process.stdout.write(`${r.scope}: ${r.halted ? `HALTED (${r.why}, by ${r.by})` : 'running'}\n`);
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
/** `okxkit kill` and `okxkit resume`: the persisted, scoped manual kill switch (docs/REQUIREMENTS.md R23). */
export function register(program: Command): void {
  withCommon(
    program
      .command('kill')
      .description('halt trading now: bots of the scope refuse new orders and cancel open ones'),
    false,
  )
    .option(
      '--cancel-open',
      'also cancel every open spot order now over REST (credentials from the environment or .env)',
    )
    .option('--base-url <url>', 'REST base URL for --cancel-open (default: OKX_BASE_URL, else the OKX host)')
    .option('--demo', 'demo trading for --cancel-open')
    .option('--site <site>', 'global | eea | us for --cancel-open')
    .option('--alert-webhook <url>', 'also POST the alert to this URL (default: OKXKIT_ALERT_WEBHOOK)')
    .action(async (opts: KillOpts) => {
      const st = await openStore(opts);
      try {
        await kill(opts, st.store);
      } finally {
        await closeStore(st);
      }
    });
  withCommon(
    program.command('resume').description('lift the kill switch (after a kill or a risk trip)'),
    true,
  )
    .option('--base-url <url>', 'the venue whose scope to resume (default: OKX_BASE_URL)')
    .option('--demo', 'the demo scope of the key')
    .action(async (opts: KillOpts) => {
      const st = await openStore(opts);
      try {
        resume(opts, st.store);
      } finally {
        await closeStore(st);
      }
    });
}

async function kill(opts: KillOpts, store: KillStore): Promise<void> {
  if (opts.list) return listScopes(opts, store);
  const why = opts.why?.trim() ? opts.why : 'no reason given';
  const { list, note } = switches(opts, 'kill', store);
  if (note) process.stderr.write(`note: ${note}\n`);
  const operator = opts.operator ?? defaultOperator();
  // Halt first: running bots stop placing before anything else happens.
  const results = list.map((ks) => {
    const before = ks.ownState();
    return { ks, before, state: ks.engage({ why, by: operator }) };
  });
  const cancel = opts.cancelOpen ? await cancelOpen(opts) : undefined;
  const audit = new AuditLog(opts.auditLog ?? defaultAuditLogPath(), { operator });
  for (const { ks, before } of results)
    audit.append({
      action: 'killswitch.engaged',
      details: {
        scope: ks.scope,
        stateFile: ks.path,
        wasHalted: before.halted,
        ...(cancel
          ? { cancelled: cancel.cancelled, cancelFailures: cancel.failed, cancelErrors: cancel.errors }
          : {}),
      },
      why,
      operator,
    });
  await alert(
    opts,
    'kill-switch',
    `kill switch engaged by ${operator} for ${results.map((r) => r.ks.scope).join(', ')}: ${why}`,
    {
      operator,
      why,
      scopes: results.map((r) => r.ks.scope),
      ...(cancel ? { cancelled: cancel.cancelled, cancelFailures: cancel.failed } : {}),
    },
  );
  print(opts, results);
  if (cancel && !opts.json) {
    process.stdout.write(
      `cancelled ${cancel.cancelled} open order(s)${cancel.failed ? `, ${cancel.failed} failed: ${cancel.errors.map(cancelErrorText).join('; ')}` : ''}\n`,
    );
  }
  if (cancel?.failed) process.exitCode = 1;
}

function resume(opts: KillOpts, store: KillStore): void {
  if (opts.list) return listScopes(opts, store);
  const { list } = switches(opts, 'resume', store);
  const operator = opts.operator ?? defaultOperator();
  const audit = new AuditLog(opts.auditLog ?? defaultAuditLogPath(), { operator });
  const results = list.map((ks) => {
    const before = ks.ownState();
    const state = ks.release({ why: opts.why!, by: operator });
    audit.append({
      action: 'killswitch.released',
      details: {
        scope: ks.scope,
        stateFile: ks.path,
        previous: { why: before.why, by: before.by, rule: before.rule ?? '' },
      },
      why: opts.why!,
      operator,
    });
    return { ks, state };
  });
  print(opts, results);
}
