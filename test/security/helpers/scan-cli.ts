/** `okxkit scan` as a standalone program, for the pre-commit hook test. */
import { Command } from 'commander';
import { register } from '../../../src/cli/commands/scan.js';
import { reportTo } from './report.js';

const program = new Command('okxkit').exitOverride();
register(program);
program.parseAsync(process.argv).then(
  () => undefined,
  (err) => {
    process.exitCode = reportTo((s) => process.stderr.write(s), err);
  },
);
