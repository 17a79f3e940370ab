import type { Command } from 'commander';
import { parseAuditLog, verifyAuditLogFile, AuditLogError } from '../../security/audit-log.js';
import { processIo, println, type SecurityIo } from '../../security/io.js';
import { defaultAuditLogPath } from '../../security/paths.js';
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../util/errors.js';

/** `okxkit audit verify|show`: the tamper-evident audit trail (R20). */
export function register(program: Command, io: SecurityIo = processIo()): void {
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
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw new AuditLogError(
          `cannot read audit log ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
          'check the path',
        );
      }
      let rows = parseAuditLog(text);
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
}
