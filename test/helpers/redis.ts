import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AfterHook } from './sim.js';

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A real redis-server on loopback, its files in a temp dir, no persistence. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: a crash, its state is lost). */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty, as after a crash without persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const p = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) {
        p.stdout.off('data', onData);
        p.stdout.resume();
        resolve(p);
      }
    };
    p.stdout.on('data', onData);
    p.stderr.resume();
    p.once('error', reject);
    p.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${out}`)));
  });
}

function exited(p: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill(signal);
  });
}

/** Starts redis-server on a free loopback port and stops it (and removes its dir) when the test ends. */
export async function withRedis(t: AfterHook): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-redis-'));
  const port = await freePort();
  let proc: ChildProcess | undefined = await launch(port, dir);
  const r: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      if (proc) await exited(proc, 'SIGKILL');
      proc = undefined;
    },
    async restart() {
      if (proc) await exited(proc, 'SIGKILL');
      proc = await launch(port, dir);
    },
    async stop() {
      if (proc) await exited(proc, 'SIGTERM');
      proc = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  t.after(() => r.stop());
  return r;
}

/** A TCP proxy to a local port that a test can cut, to partition one client from its server. */
export interface CuttableProxy {
  readonly port: number;
  readonly url: string;
  /** Holds back what clients send (a link gone silent); replies still pass. `flush` sends it on. */
  stall(): void;
  /**
   * Drops the client side of every connection and refuses new ones (closed at once) until
   * `restore`. `keepServerSide`: the server's side stays open, so what `stall` held back can still
   * reach it late (packets delayed in the network), with `flush`.
   */
  cut(opts?: { keepServerSide?: boolean }): void;
  /** Sends what `stall` held back to the server, late, and forwards again; resolves once the server has run it. */
  flush(): Promise<void>;
  /** Lets connections through again. */
  restore(): void;
}

/** Starts a proxy on a free loopback port to 127.0.0.1:`targetPort`; closed when the test ends. */
export async function cuttableProxy(t: AfterHook, targetPort: number): Promise<CuttableProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; held: Buffer[] }>();
  let isCut = false;
  let stalled = false;
  let keepServerSide = false;
  const server = createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, upstream, held: [] as Buffer[] };
    pairs.add(pair);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.on('data', (b: Buffer) => (stalled ? pair.held.push(b) : upstream.write(b)));
    upstream.on('data', (b: Buffer) => {
      if (!client.destroyed) client.write(b);
    });
    client.on('close', () => {
      if (!keepServerSide) upstream.destroy();
    });
    upstream.on('close', () => {
      pairs.delete(pair);
      client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  );
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stall() {
      stalled = true;
    },
    cut(opts = {}) {
      isCut = true;
      keepServerSide = opts.keepServerSide ?? false;
      for (const p of pairs) {
        p.client.destroy();
        if (!keepServerSide) p.upstream.destroy();
      }
    },
    async flush() {
      stalled = false;
      const done: Array<Promise<void>> = [];
      for (const p of pairs) {
        if (p.held.length === 0) continue;
        for (const b of p.held) p.upstream.write(b);
        p.held = [];
        // A PING after them: its answer means the server has run everything held back before it.
        done.push(
          new Promise<void>((resolve) => {
            let tail = '';
            const on = (b: Buffer) => {
              tail = (tail + b.toString('latin1')).slice(-64);
              if (/pong/i.test(tail)) {
                p.upstream.off('data', on);
                resolve();
              }
            };
            p.upstream.on('data', on);
            p.upstream.write('*1\r\n$4\r\nPING\r\n');
          }),
        );
      }
      await Promise.all(done);
    },
    restore() {
      isCut = false;
    },
  };
}
