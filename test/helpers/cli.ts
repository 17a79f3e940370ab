import { main } from '../../src/cli/main.js';
import { io } from '../../src/cli/common.js';

/**
 * Runs the CLI in-process with the given environment (any OKX_* variable of the test process
 * removed first), capturing stdout and stderr; the environment and exit code are restored after.
 */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith('OKX_')) delete process.env[k];
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  const wo = io.out;
  const we = process.stderr.write.bind(process.stderr);
  io.out = (text: string) => void out.push(text);
  process.stderr.write = (c: string | Uint8Array) => (err.push(String(c)), true);
  const prevExit = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'okxkit', ...args]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    io.out = wo;
    process.stderr.write = we;
    process.exitCode = prevExit;
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}
