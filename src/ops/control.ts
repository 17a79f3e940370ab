import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { OkxkitError, ValidationError } from '../util/errors.js';
import type { BotView, Supervisor } from './supervisor.js';

/** A request on the control socket (one JSON line). */
export type ControlRequest =
  | { cmd: 'list' }
  | { cmd: 'status'; id: string }
  | { cmd: 'stop'; id: string }
  | { cmd: 'start'; id: string };

export type ControlResponse =
  { ok: true; result: BotView | BotView[] } | { ok: false; error: { code: string; message: string } };

/** The supervisor's control socket: `$OKXKIT_HOME/run/supervisor.sock`, owner-only. */
export function controlSocketPath(home: string): string {
  return join(home, 'run', 'supervisor.sock');
}

/** Whether something answers on a Unix socket path. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Serves `okxkit bot list | status | stop | start` on a Unix socket readable and writable by the
 * owner only (0600, in a 0700 folder). A second supervisor on the same home is refused; a socket
 * file left by one that died is replaced.
 */
export async function serveControl(supervisor: Supervisor, path: string): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (existsSync(path)) {
    if (await answers(path))
      throw new OkxkitError(`a supervisor already runs with this OKXKIT_HOME (${path} answers)`, {
        code: 'SUPERVISOR_RUNNING',
        hint: 'stop it first, or give this one its own OKXKIT_HOME',
      });
    unlinkSync(path);
  }
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > 64 * 1024) sock.destroy();
        return;
      }
      const line = buf.slice(0, nl);
      buf = '';
      void handle(supervisor, line).then((r) => sock.end(`${JSON.stringify(r)}\n`));
    });
    sock.on('error', () => undefined);
  });
  // umask for the bind, then chmod: no moment where others can connect.
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(old);
  }
  chmodSync(path, 0o600);
  server.on('close', () => {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  });
  return server;
}

async function handle(s: Supervisor, line: string): Promise<ControlResponse> {
  try {
    const req = JSON.parse(line) as ControlRequest;
    switch (req.cmd) {
      case 'list':
        return { ok: true, result: s.list() };
      case 'status':
        return { ok: true, result: s.status(req.id) };
      case 'stop':
        return { ok: true, result: await s.stop(req.id) };
      case 'start':
        return { ok: true, result: s.start(req.id) };
      default:
        throw new ValidationError('cmd', `unknown command`, 'use list, status, stop or start');
    }
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    return {
      ok: false,
      error: { code: typeof e.code === 'string' ? e.code : 'ERROR', message: String(e.message ?? err) },
    };
  }
}

/** Sends one request to the supervisor of an OKXKIT_HOME and returns its answer. */
export async function controlRequest(
  path: string,
  req: ControlRequest,
  timeoutMs = 60_000,
): Promise<BotView | BotView[]> {
  const text = await new Promise<string>((resolve, reject) => {
    const sock = createConnection(path);
    let out = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new OkxkitError(`the supervisor did not answer within ${timeoutMs} ms`, {
          code: 'SUPERVISOR_TIMEOUT',
        }),
      );
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (d: string) => (out += d));
    sock.on('end', () => {
      clearTimeout(timer);
      resolve(out);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new OkxkitError(`no supervisor answers on ${path} (${err.code ?? err.message})`, {
          code: 'SUPERVISOR_NOT_RUNNING',
          hint: 'start one with `okxkit up -c bots.yaml` (with the same OKXKIT_HOME)',
        }),
      );
    });
  });
  const r = JSON.parse(text) as ControlResponse;
  if (!r.ok) throw new OkxkitError(r.error.message, { code: r.error.code });
  return r.result;
}
