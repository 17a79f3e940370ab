#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { OkxkitError } from '../util/errors.js';
import { addLogFlags, closeLogging, setupLogging } from './logging.js';

/** Builds the okxkit program; exported so tests can run commands in-process. */
export function buildProgram(): Command {
  const program = new Command('okxkit')
    .description('A safe toolkit for the OKX V5 API, with a local OKX-compatible exchange.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  addLogFlags(program).hook('preAction', () => setupLogging(program));
  for (const register of COMMANDS) register(program);
  return program;
}

/** Prints an error the way a user needs it: what went wrong, and what to do. Never a stack by default. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof OkxkitError) {
    process.stderr.write(`error [${err.code}]: ${err.message}\n`);
    // A ValidationError already carries its fix in the message; print a hint only when it adds something.
    if (err.hint && !err.message.includes(err.hint)) process.stderr.write(`hint: ${err.hint}\n`);
    return 1;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${msg}\n`);
  if (process.env.OKXKIT_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 1;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  } finally {
    await closeLogging();
  }
}

const isEntry =
  process.argv[1] !== undefined && /(?:^|[\\/])(main\.(?:ts|js)|okxkit(?:\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  // `okxkit watch ... | head`: the reader went away; stop quietly instead of crashing on EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = reportError(err);
    },
  );
}
