// A tiny OKX-shaped HTTP server for client tests: it verifies signatures the way OKX does (over
// the raw path + query and the raw body bytes as received, never re-serialised) and answers what
// each test scripts.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { parseIsoTimestamp } from '../../src/protocol/sign.js';
import type { Clock } from '../../src/util/clock.js';

export const KEY = {
  apiKey: 'fake-key-trade-0001',
  secretKey: 'fake-secret-7f3a9c2e1b5d4f60',
  passphrase: 'Fake Pass! with spaces & $ymbols',
};

export interface Received {
  method: string;
  /** Raw request target: path + query exactly as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Raw body text. */
  body: string;
  /** Signature verified (auth headers present and correct). */
  signed: boolean;
}

export interface Reply {
  status?: number;
  /** Object -> JSON; string -> sent as is. */
  body?: unknown;
  /** Never answer (the connection stays open until the test ends). */
  hang?: boolean;
  /** Destroy the connection without an answer. */
  destroy?: boolean;
}

export type Handler = (req: Received, n: number) => Reply | undefined | Promise<Reply | undefined>;

export interface FakeOkx {
  url: string;
  requests: Received[];
  /** Server clock skew: server time = clock.now() + skewMs. */
  skewMs: number;
  handle(fn: Handler): void;
  count(path: string): number;
}

export const ok = (data: unknown[], extra: Record<string, unknown> = {}): Reply => ({
  body: { code: '0', msg: '', data, ...extra },
});

/**
 * Starts the server. Private requests are authenticated like OKX: unknown key 50111, bad
 * passphrase 50105, bad or missing timestamp 50112, outside +-30 s 50102 (HTTP 401, no data),
 * bad signature 50113. Then the test's handler answers; without one, 404.
 */
export async function startFakeOkx(t: TestContext, opts: { clock?: Clock } = {}): Promise<FakeOkx> {
  const clock = opts.clock ?? { now: () => Date.now() };
  let handler: Handler = () => undefined;
  const requests: Received[] = [];
  const state: FakeOkx = {
    url: '',
    requests,
    skewMs: 0,
    handle(fn) {
      handler = fn;
    },
    count(path) {
      return requests.filter((r) => r.path === path).length;
    },
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        const rec: Received = {
          method: req.method ?? 'GET',
          url,
          path: q < 0 ? url : url.slice(0, q),
          query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
          headers: req.headers,
          body,
          signed: false,
        };
        requests.push(rec);
        const send = (r: Reply) => {
          if (r.hang) return;
          if (r.destroy) {
            req.socket.destroy();
            return;
          }
          const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? {});
          res.writeHead(r.status ?? 200, { 'content-type': 'application/json' });
          res.end(text);
        };
        const auth = authenticate(rec, clock.now() + state.skewMs);
        if (auth) return send(auth);
        const r = await handler(rec, requests.length);
        send(r ?? { status: 404, body: { code: '50005', msg: 'not scripted' } });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return state;
}

function gateway(status: number, code: string, msg: string): Reply {
  // Gateway auth errors carry no data field (docs/OKX-PROTOCOL.md §4.1).
  return { status, body: { msg, code } };
}

function authenticate(r: Received, serverNow: number): Reply | undefined {
  const h = r.headers;
  const key = h['ok-access-key'];
  if (key === undefined) return undefined; // public call
  if (key !== KEY.apiKey) return gateway(401, '50111', 'Invalid OK-ACCESS-KEY');
  if (h['ok-access-passphrase'] !== KEY.passphrase)
    return gateway(401, '50105', 'Request header "OK-ACCESS-PASSPHRASE" incorrect.');
  const tsHeader = String(h['ok-access-timestamp'] ?? '');
  const ts = parseIsoTimestamp(tsHeader);
  if (ts === undefined) return gateway(401, '50112', 'Invalid OK-ACCESS-TIMESTAMP');
  if (Math.abs(serverNow - ts) > 30_000) return gateway(401, '50102', 'Timestamp request expired');
  const expected = createHmac('sha256', KEY.secretKey)
    .update(tsHeader + r.method + r.url + r.body)
    .digest('base64');
  if (h['ok-access-sign'] !== expected) return gateway(401, '50113', 'Invalid signature');
  r.signed = true;
  return undefined;
}
