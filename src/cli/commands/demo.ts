import type { Command } from 'commander';
import { ValidationError } from '../../util/errors.js';
import { runDemo } from '../demo.js';
import { formatSummary } from '../../bots/status-view.js';
import { cliClientLogger, cliLogger } from '../logging.js';

function positiveInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1)
    throw new ValidationError(flag, `'${v}' is not a positive whole number`, `e.g. ${flag} 60`);
  return Number(v);
}

/** `okxkit demo` (`npm run demo`): a grid bot on the embedded local exchange, no keys, no network. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('run a grid bot on BTC-USDT against the embedded local exchange, then print a summary')
    .option('--seconds <n>', 'how long the bot runs (default: OKXKIT_DEMO_SECONDS, else 60)')
    .option('--seed <n>', 'the local market seed (same seed, same prices)', '1')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: { seconds?: string; seed: string; json?: boolean }) => {
      const raw = flags.seconds ?? process.env.OKXKIT_DEMO_SECONDS ?? '60';
      const seconds = positiveInt(flags.seconds !== undefined ? '--seconds' : 'OKXKIT_DEMO_SECONDS', raw);
      const seed = positiveInt('--seed', flags.seed);
      const ac = new AbortController();
      const onSignal = () => ac.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const summary = await runDemo({
          seconds,
          seed,
          // With --json, stdout carries the summary only: the live status goes to stderr.
          out: flags.json ? process.stderr : process.stdout,
          signal: ac.signal,
          note: (t) => process.stderr.write(t),
          ...(cliLogger() ? { logger: cliLogger() } : {}),
          ...(cliClientLogger() ? { clientLogger: cliClientLogger() } : {}),
        });
        process.stdout.write(
          flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`,
        );
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
}
