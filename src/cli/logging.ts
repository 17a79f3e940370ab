import type { Command } from 'commander';
import { logOptionsFrom, openLogger, type OpenLogger } from '../ops/logs.js';
import type { Logger } from '../util/logger.js';

/** The logging flags every command accepts (before or after the subcommand). */
export function addLogFlags(program: Command): Command {
  return program
    .option('--log-file <path>', 'JSON log lines to this file, rotated by size (also OKXKIT_LOG_FILE)')
    .option(
      '--log-max-size <size>',
      'rotate the log file at this size, e.g. 10m, 512k (default 10m; OKXKIT_LOG_MAX_SIZE)',
    )
    .option('--log-files <n>', 'rotated log files kept besides the active one (default 5; OKXKIT_LOG_FILES)')
    .option('--log-requests', 'log every REST request, key masked (also OKXKIT_LOG_REQUESTS=1)')
    .option('--log-level <level>', 'trace | debug | info | warn | error (default info; OKXKIT_LOG_LEVEL)')
    .option(
      '--log-pretty',
      'pretty log lines on stderr (default when stderr is a terminal and no log file is set)',
    );
}

let current: OpenLogger | undefined;

/** Opens the process logger from the program's flags and the environment (once per run). */
export function setupLogging(program: Command, env: Record<string, string | undefined> = process.env): void {
  const o = logOptionsFrom(program.opts(), env);
  // Without a file or an explicit --log-pretty, nothing changes: commands print as before.
  if (!o.file && !o.pretty) return;
  current = openLogger(o);
}

/** The configured logger, when --log-file / OKXKIT_LOG_FILE / --log-pretty asked for one. */
export function cliLogger(): Logger | undefined {
  return current?.logger;
}

/** The logger for a REST client: request lines only with --log-requests. */
export function cliClientLogger(): Logger | undefined {
  return current?.clientLogger;
}

/** Flushes and closes the log file (end of the command). */
export async function closeLogging(): Promise<void> {
  const c = current;
  current = undefined;
  await c?.close();
}
