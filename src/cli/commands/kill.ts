import type { Command } from 'commander';
import { AuditLog, defaultOperator } from '../../security/audit-log.js';
import { defaultAuditLogPath } from '../../security/paths.js';
import { KillSwitch } from '../../trading/kill-switch.js';

interface KillOpts {
  why: string;
  operator?: string;
  state?: string;
  auditLog?: string;
  json?: boolean;
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

/** `okxkit kill` and `okxkit resume`: the persisted manual kill switch (R23). */
export function register(program: Command): void {
  withCommon(
    program.command('kill').description('halt all trading now: bots refuse new orders and cancel open ones'),
  ).action((opts: KillOpts) => {
    const ks = new KillSwitch(opts.state ? { path: opts.state } : {});
    const operator = opts.operator ?? defaultOperator();
    const before = ks.state();
    const state = ks.engage({ why: opts.why, by: operator });
    new AuditLog(opts.auditLog ?? defaultAuditLogPath(), { operator }).append({
      action: 'killswitch.engaged',
      details: { stateFile: ks.path, wasHalted: before.halted },
      why: opts.why,
      operator,
    });
    print(opts, state, ks.path);
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
