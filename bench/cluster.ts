// Many processes on one key (issue 16): P processes x B bots place and cancel orders on one
// instrument against the local exchange for S seconds, sharing the Redis rate limiter. The tightest
// rule is trade.order / trade.cancel-order: 60 per 2 s per user and instrument, i.e. 30/s.
// Reports orders/s against that capacity and every 50011 the exchange answered (must be 0).
// Needs redis-server; OKXKIT_BENCH_CLUSTER="processes,bots,seconds" (default 8,4,60).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { ENDPOINTS } from '../src/protocol/endpoints.js';
import { startSimulator } from '../src/sim/simulator.js';
import type { BenchResult } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function run(): Promise<BenchResult[]> {
  if (spawnSync('redis-server', ['--version']).status !== 0)
    return [{ name: 'cluster (skipped: no redis-server)', opsPerSec: 0 }];
  const [procs, bots, seconds] = (process.env.OKXKIT_BENCH_CLUSTER ?? '8,4,60').split(',').map(Number) as [
    number,
    number,
    number,
  ];
  const rule = ENDPOINTS['trade.order'].rate;
  const capacity = (rule.limit * 1000) / rule.windowMs;
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-bench-redis-'));
  const port = await freePort();
  const redisProc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  await new Promise<void>((resolve) => {
    let out = '';
    redisProc.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
  });
  const url = `redis://127.0.0.1:${port}`;
  // A Redis that has been up for a while (the blackout after a state loss is over).
  const admin = new Redis(url);
  const [s] = await admin.time();
  await admin.set('okxkit:rl:since', String(Number(s) * 1000 - 60_000));
  const sim = await startSimulator({});
  const key = sim.key('trade');
  let rejected50011 = 0;
  const children = Array.from({ length: procs }, () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(here, 'procs', 'cluster-proc.ts'),
        sim.restUrl,
        url,
        String(bots),
        String(seconds),
        String(procs),
      ],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: {
          ...process.env,
          OKX_API_KEY: key.apiKey,
          OKX_SECRET_KEY: key.secretKey,
          OKX_PASSPHRASE: key.passphrase,
        },
      },
    );
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout });
    const ready = new Promise<void>((resolve) =>
      rl.on('line', (l) => (lines.push(l), l === 'ready' && resolve())),
    );
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, lines, ready, done };
  });
  try {
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.write('go\n');
    await Promise.all(children.map((c) => c.done));
    let placed = 0;
    const errors: Record<string, number> = {};
    for (const c of children) {
      const r = JSON.parse(c.lines[c.lines.length - 1]!) as {
        placed: number;
        errors: Record<string, number>;
      };
      placed += r.placed;
      for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    }
    rejected50011 = errors['50011'] ?? 0;
    const opsPerSec = placed / seconds;
    const other = Object.entries(errors)
      .filter(([k]) => k !== '50011')
      .map(([k, v]) => `${k} x${v}`)
      .join(', ');
    return [
      { name: `trade.order capacity (${rule.limit} per ${rule.windowMs / 1000} s)`, opsPerSec: capacity },
      {
        name: `${procs} processes x ${bots} bots, one key, ${seconds} s`,
        opsPerSec: Math.round(opsPerSec * 10) / 10,
        ratio: opsPerSec / capacity,
        note: `${placed} orders placed and cancelled; 50011: ${rejected50011}${other ? `; other errors: ${other}` : ''}`,
      },
    ];
  } finally {
    for (const c of children) if (c.child.exitCode === null) c.child.kill();
    admin.disconnect();
    await sim.close();
    redisProc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
