import type { Command } from 'commander';
import { AuditLog } from '../../security/audit-log.js';
import { defaultAuditLogPath } from '../../security/paths.js';
import { checkScope } from '../../trading/kill-switch.js';
import { envWithDotEnv } from '../../client/env.js';
import { redactRedisUrl, redisUrlFrom } from '../../cluster/redis.js';
import { openRedisRiskScope } from '../../cluster/risk-scope.js';
import { ValidationError } from '../../util/errors.js';
import { io } from '../common.js';

interface RiskOpts {
  scope: string;
  redis?: string;
  json?: boolean;
  why?: string;
  operator?: string;
  auditLog?: string;
}

function urlOf(opts: RiskOpts): string {
  const url = redisUrlFrom(opts.redis, envWithDotEnv(process.env));
  if (url === undefined)
    throw new ValidationError(
      '--redis',
      'the account-wide risk scope lives on Redis',
      'give --redis redis://host:port or set OKXKIT_REDIS_URL',
    );
  return url;
}

/** `okxkit risk runs` and `okxkit risk release`: the runs of the account-wide risk scope on Redis. */
export function register(program: Command): void {
  const risk = program
    .command('risk')
    .description('the account-wide risk scope on Redis: the bot runs whose positions count');
  risk
    .command('runs')
    .description('list the runs with open positions in the scope (stale: no news within the lease)')
    .requiredOption(
      '--scope <scope>',
      'the account (its kill switch scope, see `okxkit kill --list --redis URL`)',
    )
    .option('--redis <url>', 'the Redis URL (default: OKXKIT_REDIS_URL)')
    .option('--json', 'print the runs as JSON')
    .action(async (opts: RiskOpts) => {
      const url = urlOf(opts);
      const scope = await openRedisRiskScope(url, { account: checkScope(opts.scope), member: 'cli' });
      try {
        const runs = await scope.runs();
        if (opts.json) {
          io.out(`${JSON.stringify(runs)}\n`);
          return;
        }
        if (!runs.length) io.out(`no run holds a position in ${opts.scope} (${redactRedisUrl(url)})\n`);
        for (const r of runs) {
          const pos = Object.entries(r.positions)
            .map(([instId, p]) => `${instId} ${p.pos}`)
            .join(', ');
          io.out(
            `${r.run}: ${pos || 'flat'}${r.stale ? ` (STALE since ${new Date(r.leaseUntil).toISOString()})` : ''}\n`,
          );
        }
      } finally {
        await scope.close();
      }
    });
  risk
    .command('release <run>')
    .description("take a dead run's positions out of the scope, once they are known to be closed")
    .requiredOption('--scope <scope>', 'the account (its kill switch scope)')
    .requiredOption('--why <text>', 'justification, recorded in the audit trail')
    .option('--redis <url>', 'the Redis URL (default: OKXKIT_REDIS_URL)')
    .option('--operator <name>', 'who is acting (default: the OS user)')
    .option('--audit-log <file>', 'audit trail (default: $OKXKIT_AUDIT_LOG or $OKXKIT_HOME/audit.jsonl)')
    .action(async (run: string, opts: RiskOpts) => {
      const url = urlOf(opts);
      const scope = await openRedisRiskScope(url, { account: checkScope(opts.scope), member: 'cli' });
      try {
        const released = await scope.releaseRun(run);
        if (!released)
          throw new ValidationError(
            'run',
            `"${run}" holds nothing in ${opts.scope}`,
            'see `okxkit risk runs`',
          );
        new AuditLog(opts.auditLog ?? defaultAuditLogPath(), {
          ...(opts.operator ? { operator: opts.operator } : {}),
        }).append({
          action: 'risk.run-released',
          details: { scope: opts.scope, run },
          why: opts.why ?? '',
        });
        io.out(
          `released ${run}: its positions no longer count for ${opts.scope} (its day's PnL still does)\n`,
        );
      } finally {
        await scope.close();
      }
    });
}
