import { CommanderError } from 'commander';
import { OkxkitError } from '../../../src/util/errors.js';

/** The CLI's error printing (as src/cli/main.ts does it), kept here so these tests load only the security commands. */
export function reportTo(write: (s: string) => void, err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode || 1;
  if (err instanceof OkxkitError) {
    write(`error [${err.code}]: ${err.message}\n`);
    if (err.hint) write(`hint: ${err.hint}\n`);
    return 1;
  }
  write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}
