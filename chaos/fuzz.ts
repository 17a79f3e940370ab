// Property-based fuzzing (fast-check) of the two parsers at the boundary:
// - the local exchange's: any request (path, method, headers, body, order fields of any type)
//   gets a JSON answer with a string `code`, never a reset or a crash, and the exchange keeps
//   serving; any WebSocket frame gets an answer or a close code, never a crash;
// - the client's: any answer (status, body) to a read or a write ends in data or a typed
//   OkxkitError; an answer to a write that is not a well-formed OKX rejection is `ambiguous`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../src/sim/simulator.js';
import { attachWsServer } from '../src/sim/ws/index.js';
import { signRequest } from '../src/protocol/sign.js';
import { OkxClient } from '../src/client/okx-client.js';
import { Credentials } from '../src/client/credentials.js';
import { OkxApiError } from '../src/client/errors.js';
import { errorInfo } from '../src/protocol/error-codes.js';
import { OkxkitError } from '../src/util/errors.js';
import { inc, newReport, type SectionReport } from './report.js';

const PATHS = [
  '/api/v5/trade/order',
  '/api/v5/trade/batch-orders',
  '/api/v5/trade/cancel-order',
  '/api/v5/trade/amend-order',
  '/api/v5/trade/order?instId=BTC-USDT&ordId=1',
  '/api/v5/account/balance',
  '/api/v5/market/ticker?instId=BTC-USDT',
  '/api/v5/public/time',
  '/api/v5/trade/cancel-all-after',
  '/api/v5/nope',
  '/%ff%fe',
];

/** Any JSON-ish value, biased towards the shapes that break coercing parsers. */
const anyValue = fc.oneof(
  fc.string(),
  fc.constantFrom('', '0', '-1', 'NaN', 'Infinity', '1e309', '0.1', 'abc', 'true', ' 1 '),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string(), { maxKeys: 2 }),
);

const orderLike = fc.record(
  {
    instId: fc.oneof(fc.constantFrom('BTC-USDT', 'ETH-USDT', 'NOPE-X'), anyValue),
    tdMode: fc.oneof(fc.constant('cash'), anyValue),
    side: fc.oneof(fc.constantFrom('buy', 'sell'), anyValue),
    ordType: fc.oneof(fc.constantFrom('limit', 'market', 'post_only', 'ioc', 'fok'), anyValue),
    sz: fc.oneof(fc.constantFrom('0.001', '1'), anyValue),
    px: fc.oneof(fc.constantFrom('1000', '50000.1'), anyValue),
    clOrdId: anyValue,
    tag: anyValue,
    reduceOnly: anyValue,
    stpMode: anyValue,
    tgtCcy: anyValue,
  },
  { requiredKeys: [] },
);

const requestArb = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  path: fc.oneof(
    fc.constantFrom(...PATHS),
    fc.string().map((s) => `/api/v5/${encodeURIComponent(s)}`),
  ),
  body: fc.oneof(
    orderLike.map((o) => JSON.stringify(o)),
    fc.array(orderLike, { maxLength: 3 }).map((a) => JSON.stringify(a)),
    fc.string(),
    fc.constantFrom('', '{', '[]', 'null', '{"a":', '\u0000', '<html>'),
  ),
  signed: fc.boolean(),
  contentType: fc.constantFrom('application/json', 'text/plain', ''),
  expTime: fc.option(fc.oneof(fc.string(), fc.constantFrom('1', '99999999999999')), { nil: undefined }),
});

async function send(sim: Simulator, r: RequestCase) {
  const headers: Record<string, string> = {};
  if (r.contentType) headers['content-type'] = r.contentType;
  if (r.expTime !== undefined) headers['expTime'] = r.expTime;
  const body = r.method === 'GET' ? '' : r.body;
  if (r.signed) {
    const k = sim.key('trade');
    const timestamp = new Date(sim.clock.now()).toISOString();
    headers['OK-ACCESS-KEY'] = k.apiKey;
    headers['OK-ACCESS-PASSPHRASE'] = k.passphrase;
    headers['OK-ACCESS-TIMESTAMP'] = timestamp;
    headers['OK-ACCESS-SIGN'] = signRequest({
      timestamp,
      method: r.method,
      requestPath: r.path,
      body,
      secretKey: k.secretKey,
    });
  }
  const res = await fetch(sim.restUrl + r.path, {
    method: r.method,
    headers,
    ...(r.method === 'GET' ? {} : { body }),
  });
  return { status: res.status, text: await res.text() };
}

type RequestCase = {
  method: string;
  path: string;
  body: string;
  signed: boolean;
  contentType: string;
  expTime: string | undefined;
};

/**
 * Whether the exchange still answers after the fuzzing: GET /public/time must give 200. The fuzzed
 * requests may have spent that endpoint's per-IP rate rule (a 429 with OKX's envelope is an
 * answer, not a hang), so a 429 is retried after the rule's 2 s window, a few times.
 */
async function answersAfterFuzz(restUrl: string): Promise<{ status: number }> {
  let status = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    status = (await fetch(`${restUrl}/api/v5/public/time`)).status;
    if (status !== 429) break;
    await new Promise((r) => setTimeout(r, 2_100));
  }
  return { status };
}

/** The local exchange's REST and WS parsers under `runs` random requests each. */
export async function fuzzExchange(runs: number, seed = 18): Promise<SectionReport> {
  const report = newReport('fuzz: local exchange parsers');
  const t0 = Date.now();
  // OKX's 3-new-connections-per-second rule is tested elsewhere; here it would only add waits
  // between the connections the fuzzed frames close, so the exchange allows more.
  const sim = await startSimulator({
    seed,
    attachWs: (o) => attachWsServer({ ...o, connectionsPerSecond: 1_000 }),
  });
  const crashes: string[] = [];
  const onCrash = (e: unknown) => crashes.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  try {
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        inc(report, 'REST requests');
        const res = await send(sim, r);
        let json: { code?: unknown };
        try {
          json = JSON.parse(res.text) as { code?: unknown };
        } catch {
          throw new Error(`HTTP ${res.status} answer is not JSON: ${res.text.slice(0, 80)}`);
        }
        if (typeof json.code !== 'string')
          throw new Error(`answer without a string code: ${res.text.slice(0, 120)}`);
        if (json.code !== '0') inc(report, 'REST refusals');
      }),
      { numRuns: runs, seed },
    );
    const health = await answersAfterFuzz(sim.restUrl);
    if (health.status !== 200)
      report.violations.push(`the exchange stopped answering after the fuzzing (HTTP ${health.status})`);

    const frame = fc.oneof(
      fc.string(),
      fc.constantFrom('ping', '{}', '[]', 'null', '{"op":"subscribe"}', '{"op":"login","args":[{}]}'),
      fc
        .record({
          op: fc.oneof(
            fc.constantFrom('subscribe', 'unsubscribe', 'login', 'order', 'cancel-order'),
            anyValue,
          ),
          id: anyValue,
          args: fc.oneof(
            fc.array(fc.oneof(orderLike, fc.record({ channel: anyValue, instId: anyValue })), {
              maxLength: 2,
            }),
            anyValue,
          ),
        })
        .map((o) => JSON.stringify(o)),
    );
    for (const path of ['wsPublic', 'wsPrivate', 'wsBusiness'] as const) {
      // A frame the server answers by closing the connection is fine; the next frame gets a new one.
      let ws: WebSocket | undefined;
      const open = async (): Promise<WebSocket> => {
        // A refused connection (HTTP 429 over the per-second limit): wait and try again.
        for (let attempt = 0; ; attempt++) {
          const s = new WebSocket(sim.wsUrls[path]);
          s.on('error', () => undefined);
          const ok = await new Promise<boolean>((res) => {
            s.once('open', () => res(true));
            s.once('close', () => res(false));
          });
          if (ok) return s;
          if (attempt >= 10) throw new Error(`${path}: the exchange refuses new connections`);
          inc(report, 'WS connects refused (3/s limit)');
          await new Promise((r) => setTimeout(r, 400));
        }
      };
      await fc.assert(
        fc.asyncProperty(frame, async (f) => {
          if (!ws || ws.readyState !== WebSocket.OPEN) {
            ws?.terminate();
            ws = await open();
            inc(report, 'WS connections');
          }
          const s = ws;
          inc(report, 'WS frames');
          // Some frames (a subscribe with no args) are rightly answered with nothing, so the
          // frame is followed by a `ping`: the exchange must still answer it (`pong`) or close
          // the connection with a code. Silence means the connection hung: a violation.
          const pings = f === 'ping' ? 2 : 1;
          const answered = new Promise<void>((res, rej) => {
            let pongs = 0;
            const done = () => {
              clearTimeout(timer);
              s.off('message', onMessage);
              s.off('close', done);
              res();
            };
            const onMessage = (m: WebSocket.RawData) => {
              if (m.toString() === 'pong' && ++pongs === pings) done();
            };
            s.on('message', onMessage);
            s.on('close', done);
            const timer = setTimeout(() => {
              s.off('message', onMessage);
              s.off('close', done);
              rej(
                new Error(`${path}: no answer to a ping after the frame ${JSON.stringify(f).slice(0, 200)}`),
              );
            }, 10_000);
          });
          s.send(f);
          if (s.readyState === WebSocket.OPEN) s.send('ping');
          await answered;
        }),
        { numRuns: Math.ceil(runs / 3), seed },
      );
      ws?.terminate();
    }
    const after = await fetch(`${sim.restUrl}/api/v5/public/time`);
    if (after.status !== 200) report.violations.push('the exchange stopped answering after the WS fuzzing');
  } catch (err) {
    report.violations.push(err instanceof Error ? err.message : String(err));
  } finally {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await sim.close();
  }
  report.counts.crashes = crashes.length;
  for (const c of crashes) report.violations.push(`crash: ${c}`);
  report.seconds = (Date.now() - t0) / 1000;
  return report;
}

const answerArb = fc.record({
  status: fc.constantFrom(200, 200, 200, 201, 400, 401, 403, 404, 418, 429, 500, 502, 503),
  body: fc.oneof(
    fc.string(),
    fc.constantFrom(
      '',
      '<html>ok</html>',
      'null',
      '[]',
      '{}',
      '{"code":0}',
      '{"code":"0"}',
      '{"code":"0","data":null}',
    ),
    fc
      .record(
        {
          code: fc.oneof(
            fc.constantFrom('0', '1', '2', '51000', '50001', '50011', '50013', '50026', '12345'),
            anyValue,
          ),
          msg: anyValue,
          data: fc.oneof(
            fc.array(
              fc.record(
                {
                  ordId: anyValue,
                  clOrdId: anyValue,
                  tag: anyValue,
                  ts: anyValue,
                  sCode: fc.oneof(fc.constantFrom('0', '51008', '51000', '50001'), anyValue),
                  sMsg: anyValue,
                  instId: anyValue,
                  last: anyValue,
                },
                { requiredKeys: [] },
              ),
              { maxLength: 2 },
            ),
            anyValue,
          ),
        },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
  ),
});

/** The client's answer parser under `runs` random answers, to a read and to an order. */
export async function fuzzClient(runs: number, seed = 18): Promise<SectionReport> {
  const report = newReport('fuzz: client parser');
  const t0 = Date.now();
  let answer = { status: 200, body: '' };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new OkxClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: new Credentials('fake-fuzz-key', 'fake-fuzz-secret', 'fake-fuzz-pass'),
    rateLimit: false,
    retry: { maxRetries: 0 },
  });
  try {
    await fc.assert(
      fc.asyncProperty(answerArb, fc.boolean(), async (a, write) => {
        answer = a;
        inc(report, 'answers');
        try {
          if (write)
            await client.trade.placeOrder({
              instId: 'BTC-USDT',
              tdMode: 'cash',
              side: 'buy',
              ordType: 'limit',
              px: '1',
              sz: '1',
              clOrdId: 'fuzz1',
            });
          else await client.market.ticker('BTC-USDT');
          inc(report, 'accepted as data');
        } catch (err) {
          if (!(err instanceof OkxkitError))
            throw new Error(`untyped error ${String(err)} for ${JSON.stringify(a)}`);
          inc(report, 'typed errors');
          if (!write) return;
          const ambiguous = (err as { ambiguous?: unknown }).ambiguous === true;
          // Not ambiguous = a refusal the client believes: an OKX code it knows, or HTTP 429
          // (the standard "not processed, slow down", which the client retries).
          const wellFormed =
            err instanceof OkxApiError && (errorInfo(err.code).cls !== 'unknown' || err.code === 'HTTP_429');
          if (!ambiguous && !wellFormed)
            throw new Error(
              `a write's unreadable answer was taken as a rejection (${err.code}) for ${JSON.stringify(a)}`,
            );
          if (ambiguous) inc(report, 'writes left ambiguous');
        }
      }),
      { numRuns: runs, seed },
    );
  } catch (err) {
    report.violations.push(err instanceof Error ? err.message : String(err));
  } finally {
    await client.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
  report.counts.crashes = report.violations.filter((v) => v.includes('untyped')).length;
  report.seconds = (Date.now() - t0) / 1000;
  return report;
}
