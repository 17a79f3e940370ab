import type { Command } from 'commander';
import { join } from 'node:path';
import { OkxClient } from '../../client/okx-client.js';
import { AuditLog, parseAuditLog, readAuditLogFile, verifyAuditLogFile } from '../../security/audit-log.js';
import { Prompter, processIo, println, type SecurityIo } from '../../security/io.js';
import { defaultAuditLogPath, defaultVaultPath, okxkitHome } from '../../security/paths.js';
import { clientOptionsFor, resolveCredentials } from '../../security/resolve.js';
import { WithdrawalWatch, type WithdrawalAlert } from '../../security/withdrawal-watch.js';
import { realSleep, type Sleep } from '../../util/clock.js';
import { ValidationError } from '../../util/errors.js';

interface WatchFlags {
  profile?: string;
  baseUrl?: string;
  vault?: string;
  state?: string;
  auditLog?: string;
  interval: string;
  expectedTypes: string;
  once?: boolean;
  seconds?: string;
  json?: boolean;
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new ValidationError(name, `"${v}" is not a positive number`, `e.g. ${name} 60`);
  return n;
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
/** `okxkit audit verify|show|withdrawals`: the tamper-evident audit trail (docs/REQUIREMENTS.md R20) and the withdrawal watch (docs/REQUIREMENTS.md R25). */
export function register(program: Command, io: SecurityIo = processIo(), sleep: Sleep = realSleep): void {
  const audit = program.command('audit').description('check and read the hash-chained audit trail');

  audit
    .command('verify')
    .argument('[file]', 'audit log (default: $OKXKIT_AUDIT_LOG or ~/.okxkit/audit.jsonl)')
    .description('check every line: edits, deletions, insertions and reordering are named by line')
    .option('--expect-head <hash>', 'hash of the last record noted earlier (detects a removed tail)')
    .option('--json', 'machine-readable output')
    .action((file: string | undefined, opts: { expectHead?: string; json?: boolean }) => {
      const path = file ?? defaultAuditLogPath(io.env);
      const r = verifyAuditLogFile(path, opts.expectHead ? { expectHead: opts.expectHead } : {});
      if (opts.json) println(io.stdout, JSON.stringify({ file: path, ...r }));
      else if (r.ok)
        println(
          io.stdout,
          `OK ${path}: ${r.records} record(s), chain intact; head ${r.headHash ?? '(empty)'}`,
        );
      else {
        println(io.stdout, `TAMPERED ${path}: ${r.problems.length} problem(s) in ${r.records} record(s)`);
        for (const p of r.problems) println(io.stdout, `  ${p.kind.padEnd(12)} ${p.message}`);
      }
      if (!r.ok) io.setExitCode(1);
    });

  audit
    .command('show')
    .argument('[file]', 'audit log (default: $OKXKIT_AUDIT_LOG or ~/.okxkit/audit.jsonl)')
    .description('print the records, oldest first')
    .option('--tail <n>', 'only the last n records')
    .option('--json', 'one JSON record per line')
    .action((file: string | undefined, opts: { tail?: string; json?: boolean }) => {
      const path = file ?? defaultAuditLogPath(io.env);
      let rows = parseAuditLog(readAuditLogFile(path));
      if (opts.tail !== undefined) {
        const n = Number(opts.tail);
        if (!Number.isInteger(n) || n < 0)
          throw new ValidationError('--tail', `"${opts.tail}" is not a count`, 'e.g. --tail 20');
        rows = rows.slice(Math.max(0, rows.length - n));
      }
      for (const row of rows) {
        if (!row.record) {
          println(
            io.stdout,
            opts.json
              ? JSON.stringify({ line: row.line, error: row.error })
              : `line ${row.line}: unreadable (${row.error})`,
          );
          continue;
        }
        const r = row.record;
        if (opts.json) println(io.stdout, JSON.stringify(r));
        else
          println(
            io.stdout,
            `#${r.seq}  ${r.ts}  ${r.operator}  ${r.action}  ${JSON.stringify(r.details)}${r.why ? `  why: ${r.why}` : ''}`,
          );
      }
      if (!opts.json)
        println(io.stderr, `(${rows.length} record(s); run okxkit audit verify ${path} to check the chain)`);
    });

  // long: a CLI command: flags, a read-only client, the watch loop and its printing; each step short
  audit
    .command('withdrawals')
    .description(
      'watch the funding account for withdrawals and unexpected outflows; alerts go to stderr and the audit trail',
    )
    .option(
      '--profile <name>',
      'vault profile (default: $OKXKIT_PROFILE, else OKX_API_KEY/...); a read-only key is enough',
    )
    .option('--base-url <url>', 'REST base URL (default: the profile site host, or $OKX_BASE_URL)')
    .option('--vault <file>', 'vault file (default: $OKXKIT_VAULT or ~/.okxkit/vault.json)')
    .option('--state <file>', 'bills already seen (default: ~/.okxkit/withdrawal-watch.json)')
    .option('--audit-log <file>', 'audit trail (default: $OKXKIT_AUDIT_LOG or ~/.okxkit/audit.jsonl)')
    .option('--interval <seconds>', 'poll interval', '60')
    .option('--expected-types <list>', 'funding bill types whose outflows are expected', '131')
    .option('--once', 'poll once and exit (1 when anything alerted): for cron')
    .option('--seconds <n>', 'stop after this long (default: until Ctrl-C)')
    .option('--json', 'alerts as JSON lines on stdout')
    .action(async (opts: WatchFlags) => {
      const intervalMs = positive('--interval', opts.interval) * 1000;
      const prompter = new Prompter(io);
      const vaultPath = opts.vault ?? defaultVaultPath(io.env);
      let resolved;
      try {
        resolved = await resolveCredentials({
          ...(opts.profile ? { profile: opts.profile } : {}),
          env: io.env,
          vaultPath,
          ...(prompter.interactive
            ? { promptPassphrase: () => prompter.hidden(`Vault passphrase for ${vaultPath}: `) }
            : {}),
        });
      } finally {
        prompter.close();
      }
      // Watching only reads: the client refuses any trading call whatever the key allows.
      const client = new OkxClient({
        ...clientOptionsFor(resolved, opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
        readOnly: true,
      });
      const log = new AuditLog(opts.auditLog ?? defaultAuditLogPath(io.env), {
        operator: 'withdrawal-watch',
      });
      let alerts = 0;
      const onAlert = (a: WithdrawalAlert) => {
        alerts++;
        if (opts.json) println(io.stdout, JSON.stringify(a));
        log.append({
          action: a.kind === 'withdrawal' ? 'funds.withdrawal_detected' : 'funds.outflow_detected',
          details: {
            billId: a.bill.billId,
            ccy: a.bill.ccy,
            balChg: a.bill.balChg,
            type: a.bill.type,
            ts: a.bill.ts,
            key: resolved.credentials.maskedKey,
          },
          why: a.message,
        });
      };
      const watch = new WithdrawalWatch({
        client,
        statePath: opts.state ?? join(okxkitHome(io.env), 'withdrawal-watch.json'),
        onAlert,
        console: io.stderr,
        expectedOutflowTypes: opts.expectedTypes
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
        intervalMs: Math.max(1000, intervalMs),
        sleep,
        onError: (err) =>
          println(
            io.stderr,
            `withdrawal watch: poll failed: ${err instanceof Error ? err.message : String(err)}`,
          ),
      });
      if (opts.once) {
        await watch.poll();
        if (!opts.json)
          println(io.stderr, alerts ? `${alerts} alert(s)` : 'no withdrawals or unexpected outflows');
        if (alerts) io.setExitCode(1);
        return;
      }
      println(
        io.stderr,
        `watching funding bills of ${resolved.credentials.maskedKey} every ${intervalMs / 1000} s (Ctrl-C to stop)`,
      );
      watch.start();
      const seconds = opts.seconds === undefined ? undefined : positive('--seconds', opts.seconds);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (seconds !== undefined) void sleep(seconds * 1000).then(stop);
      });
      await watch.stop();
    });
}
