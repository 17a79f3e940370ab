import { closeSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { OkxkitError, errorCode } from '../util/errors.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `fn` holding `<path>.lock` (created with O_EXCL), so two processes, say a bot and the
 * CLI, do not both extend the audit chain or rewrite the vault from the same starting point.
 * A lock left by a crashed process is taken over once it is older than `staleMs`.
 */
export function withFileLock<T>(
  path: string,
  fn: () => T,
  opts: { timeoutMs?: number; staleMs?: number } = {},
): T {
  const lock = `${path}.lock`;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const staleMs = opts.staleMs ?? 30_000;
  const started = Date.now();
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lock, 'wx', 0o600);
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
      try {
        // File-system time, not an injected clock: staleness is about other processes.
        if (Date.now() - statSync(lock).mtimeMs > staleMs) unlinkSync(lock);
      } catch {
        /* released meanwhile */
      }
      if (Date.now() - started > timeoutMs) {
        throw new OkxkitError(`${lock} is held by another process`, {
          code: 'LOCKED',
          hint: `If no other okxkit process is running, delete ${lock}.`,
        });
      }
      Atomics.wait(pause, 0, 0, 10);
    }
  }
  try {
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      /* already gone */
    }
  }
}
