import type { Command } from 'commander';
import { AuditLog, defaultOperator } from '../../security/audit-log.js';
import { defaultAuditLogPath } from '../../security/paths.js';
import { KillSwitch } from '../../trading/kill-switch.js';
import { OkxExchange } from '../../trading/okx-exchange.js';
import { openClient } from '../common.js';
import { Alerts, ConsoleSink, WebhookSink } from '../../trading/alerts.js';

interface KillOpts {
  why: string;
  operator?: string;
  state?: string;
  auditLog?: string;
  json?: boolean;
  cancelOpen?: boolean;
  baseUrl?: string;
  demo?: boolean;
  site?: string;
  alertWebhook?: string;
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

/** Cancels every open spot order of the configured account now; never on an embedded exchange. */
async function cancelOpen(opts: KillOpts): Promise<{ cancelled: number; failed: number } | undefined> {
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
    for (const o of await okx.openOrders()) {
      try {
        await okx.cancelOrder({ instId: o.instId, ordId: o.ordId });
        cancelled++;
      } catch {
        failed++;
      }
    }
    return { cancelled, failed };
  } finally {
    await handle.close();
  }
}

function print(opts: KillOpts, state: ReturnType<KillSwitch['state']>, path: string): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...state, path })}\n`);
    return;
  }
  const when = new Date(state.since).toISOString();
  process.stdout.write(
    state.halted
      ? `kill switch ENGAGED at ${when} by ${state.by}: ${state.why}\nRunning okxkit bots stop placing orders and cancel their open orders.\n`
      : `kill switch released at ${when} by ${state.by}: ${state.why}\n`,
  );
}

function withCommon(cmd: Command): Command {
  return cmd
    .requiredOption('--why <text>', 'justification, recorded in the audit trail')
    .option('--operator <name>', 'who is acting (default: the OS user)')
    .option('--state <file>', 'kill switch state file (default: $OKXKIT_HOME/kill-switch.json)')
    .option('--audit-log <file>', 'audit trail (default: $OKXKIT_AUDIT_LOG or $OKXKIT_HOME/audit.jsonl)')
    .option('--json', 'print the state as JSON');
}

/** `okxkit kill` and `okxkit resume`: the persisted manual kill switch (docs/REQUIREMENTS.md R23). */
export function register(program: Command): void {
  withCommon(
    program.command('kill').description('halt all trading now: bots refuse new orders and cancel open ones'),
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
      const ks = new KillSwitch(opts.state ? { path: opts.state } : {});
      const operator = opts.operator ?? defaultOperator();
      const before = ks.state();
      // Halt first: running bots stop placing before anything else happens.
      const state = ks.engage({ why: opts.why, by: operator });
      const cancel = opts.cancelOpen ? await cancelOpen(opts) : undefined;
      new AuditLog(opts.auditLog ?? defaultAuditLogPath(), { operator }).append({
        action: 'killswitch.engaged',
        details: {
          stateFile: ks.path,
          wasHalted: before.halted,
          ...(cancel ? { cancelled: cancel.cancelled, cancelFailures: cancel.failed } : {}),
        },
        why: opts.why,
        operator,
      });
      await alert(opts, 'kill-switch', `kill switch engaged by ${operator}: ${opts.why}`, {
        operator,
        why: opts.why,
        ...(cancel ? { cancelled: cancel.cancelled, cancelFailures: cancel.failed } : {}),
      });
      print(opts, state, ks.path);
      if (cancel && !opts.json) {
        process.stdout.write(
          `cancelled ${cancel.cancelled} open order(s)${cancel.failed ? `, ${cancel.failed} failed` : ''}\n`,
        );
      }
    });
  withCommon(
    program.command('resume').description('lift the kill switch (after a kill or a risk trip)'),
  ).action((opts: KillOpts) => {
    const ks = new KillSwitch(opts.state ? { path: opts.state } : {});
    const operator = opts.operator ?? defaultOperator();
    const before = ks.state();
    const state = ks.release({ why: opts.why, by: operator });
    new AuditLog(opts.auditLog ?? defaultAuditLogPath(), { operator }).append({
      action: 'killswitch.released',
      details: { stateFile: ks.path, previous: { why: before.why, by: before.by, rule: before.rule ?? '' } },
      why: opts.why,
      operator,
    });
    print(opts, state, ks.path);
  });
}
