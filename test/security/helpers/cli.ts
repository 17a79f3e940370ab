/** Runs the security commands in-process with captured streams, environment and exit code. */
import { Command } from 'commander';
import { PassThrough } from 'node:stream';
import type { SecurityIo } from '../../../src/security/io.js';
import { reportTo } from './report.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export type Register = (program: Command, io: SecurityIo) => void;

export async function runCli(
  register: Register | Register[],
  args: string[],
  opts: { env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (d) => (stdout += String(d)));
  err.on('data', (d) => (stderr += String(d)));
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  const io: SecurityIo = {
    stdin,
    stdout: out,
    stderr: err,
    env: opts.env ?? {},
    setExitCode: (c) => (code = c),
  };
  const program = new Command('okxkit')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
  for (const r of Array.isArray(register) ? register : [register]) r(program, io);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    code = reportTo((s) => (stderr += s), e);
  }
  await new Promise((r) => setImmediate(r));
  return { code, stdout, stderr };
}
