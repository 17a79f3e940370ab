// A signed REST round trip on loopback, the server in a worker thread so its CPU is not charged to
// the client's thread: OkxClient (query built once, clock-corrected timestamp, HMAC, undici
// keep-alive pool, envelope + zod validation) against bare undici.request with precomputed
// headers (the floor any client pays), bare undici signing each request (the floor of a signed
// client), bare node:http with a keep-alive agent, and the peers okx-api and ccxt making the
// same signed call.
// Target: OkxClient within 1.2x of bare undici (ratio >= 0.83). The limiter is off here: the
// balance rule (10 / 2 s) would otherwise set the pace, which is the point of the limiter, not
// of this bench.
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { Worker } from 'node:worker_threads';
import { Pool } from 'undici';
import { Credentials } from '../src/client/credentials.js';
import { OkxClient } from '../src/client/okx-client.js';
import { isoTimestamp, prepareSecret, signRequest } from '../src/protocol/sign.js';
import { compareWithCpu, rows, type BenchResult, type Variant } from './harness.js';

const KEY = {
  apiKey: 'fake-key-bench-0001',
  secretKey: 'fake-secret-bench-0123456789',
  passphrase: 'Fake Pass!',
};
const PATH = '/api/v5/account/balance?ccy=USDT';
// a real-shaped one-currency balance (docs/OKX-PROTOCOL.md §7.3)
const BODY = JSON.stringify({
  code: '0',
  msg: '',
  data: [
    {
      adjEq: '',
      availEq: '',
      borrowFroz: '',
      imr: '',
      isoEq: '0',
      mgnRatio: '',
      mmr: '',
      notionalUsd: '',
      ordFroz: '',
      totalEq: '10000.5',
      uTime: '1705474164160',
      upl: '',
      details: [
        {
          availBal: '10000.5',
          availEq: '10000.5',
          cashBal: '10000.5',
          ccy: 'USDT',
          disEq: '10000.5',
          eq: '10000.5',
          eqUsd: '10000.5',
          fixedBal: '0',
          frozenBal: '0',
          isoEq: '0',
          ordFrozen: '0',
          uTime: '1705449605015',
          upl: '0',
        },
      ],
    },
  ],
});

/** The loopback server runs in a worker thread: its CPU is not charged to the client's thread. */
const SERVER_SRC = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const body = workerData.body;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', (m) => { if (m === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); } });
`;

export async function run(): Promise<BenchResult[]> {
  const worker = new Worker(SERVER_SRC, { eval: true, workerData: { body: BODY } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const origin = `http://127.0.0.1:${port}`;

  const ts = isoTimestamp(Date.now());
  const headers = {
    'OK-ACCESS-KEY': KEY.apiKey,
    'OK-ACCESS-SIGN': signRequest({
      timestamp: ts,
      method: 'GET',
      requestPath: PATH,
      secretKey: KEY.secretKey,
    }),
    'OK-ACCESS-TIMESTAMP': ts,
    'OK-ACCESS-PASSPHRASE': KEY.passphrase,
    'Content-Type': 'application/json',
  };
  const key = prepareSecret(KEY.secretKey);
  const pool = new Pool(origin, { connections: 16, keepAliveTimeout: 30_000 });
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  const client = new OkxClient({
    baseUrl: origin,
    credentials: new Credentials(KEY.apiKey, KEY.secretKey, KEY.passphrase),
    rateLimit: false,
  });
  let sink = 0;

  const variants: Variant[] = [
    {
      name: 'bare undici.request, precomputed headers',
      fn: async () => {
        const res = await pool.request({ path: PATH, method: 'GET', headers });
        const j = (await res.body.json()) as { code: string };
        sink += j.code.length;
      },
    },
    {
      name: 'OkxClient.account.balance (signed, validated)',
      fn: async () => {
        const b = await client.account.balance('USDT');
        sink += b.details.length;
      },
    },
    {
      name: 'bare undici.request, signed per request',
      fn: async () => {
        const t = isoTimestamp(Date.now());
        const h = {
          'OK-ACCESS-KEY': KEY.apiKey,
          'OK-ACCESS-SIGN': signRequest({ timestamp: t, method: 'GET', requestPath: PATH, secretKey: key }),
          'OK-ACCESS-TIMESTAMP': t,
          'OK-ACCESS-PASSPHRASE': KEY.passphrase,
          'Content-Type': 'application/json',
        };
        const res = await pool.request({ path: PATH, method: 'GET', headers: h });
        const j = (await res.body.json()) as { code: string };
        sink += j.code.length;
      },
    },
    {
      name: 'bare node:http, keep-alive agent',
      fn: () =>
        new Promise<void>((resolve, reject) => {
          const req = httpRequest(origin + PATH, { method: 'GET', headers, agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              sink += (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code: string }).code.length;
              resolve();
            });
            res.on('error', reject);
          });
          req.on('error', reject);
          req.end();
        }),
    },
  ];
  const peerNotes: string[] = [];
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a peer SDK, loaded only to compare against
    const { RestClient } = (await import('okx-api')) as any;
    const peer = new RestClient({
      apiKey: KEY.apiKey,
      apiSecret: KEY.secretKey,
      apiPass: KEY.passphrase,
      baseUrl: origin,
      keepAlive: true,
    });
    variants.push({
      name: 'okx-api RestClient.getBalance (peer)',
      fn: async () => {
        const b = (await peer.getBalance({ ccy: 'USDT' })) as unknown[];
        sink += b.length;
      },
    });
    peerNotes.push('axios, keep-alive on');
  } catch (e) {
    peerNotes.push(`okx-api skipped: ${(e as Error).message}`);
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a peer SDK, loaded only to compare against
    const ccxt = (await import('ccxt')) as any;
    const Okx = ccxt.okx ?? ccxt.default?.okx;
    // ccxt's own throttle would set the pace (like okxkit's limiter, which is off here too)
    const ex = new Okx({
      apiKey: KEY.apiKey,
      secret: KEY.secretKey,
      password: KEY.passphrase,
      enableRateLimit: false,
    });
    ex.urls.api = { rest: origin };
    variants.push({
      name: 'ccxt okx.privateGetAccountBalance (peer)',
      fn: async () => {
        const r = (await ex.privateGetAccountBalance({ ccy: 'USDT' })) as { code: string };
        sink += r.code.length;
      },
    });
    peerNotes.push("ccxt's implicit API call (no loadMarkets)");
  } catch (e) {
    peerNotes.push(`ccxt skipped: ${(e as Error).message}`);
  }
  try {
    // Loopback round trips wander with thread scheduling: many short rotated rounds and their
    // median keep one variant from drawing a slow stretch of the machine for itself.
    const { wall, cpu } = await compareWithCpu(variants, { warmupOps: 1000, rounds: 21, opsPerRound: 300 });
    if (sink === 0) throw new Error('no responses');
    // CPU is the whole process (both threads); the server's share is the same for every variant
    const cpuNote = (i: number) =>
      `cpu ${(cpu[i]! / 1000).toFixed(1)} us/op (${(cpu[i]! / cpu[0]!).toFixed(2)}x)`;
    return rows('rest', variants, wall, 0, [
      cpuNote(0),
      `target ratio >= 0.83 (1.2x); ${cpuNote(1)}`,
      cpuNote(2),
      cpuNote(3),
      ...peerNotes.map((n, i) => `${n}; ${cpuNote(4 + i)}`),
    ]);
  } finally {
    await client.close();
    await pool.close();
    agent.destroy();
    worker.postMessage('close');
    await new Promise<void>((r) => worker.once('exit', () => r()));
  }
}
