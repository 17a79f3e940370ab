/**
 * A small OKX-shaped server for the doctor's tests: GET /api/v5/public/time and a signed
 * GET /api/v5/account/config, with the auth checks and codes of docs/OKX-PROTOCOL.md §4.3. Listens on loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isoTimestamp, parseIsoTimestamp, signRequest } from '../../../src/protocol/sign.js';
import type { Credentials } from '../../../src/client/credentials.js';
import type { AuditClient } from '../../../src/security/doctor.js';

export interface MiniKey {
  apiKey: string;
  secretKey: string;
  passphrase: string;
  perm: string;
  ip: string;
  demo: boolean;
  label: string;
}

export interface MiniOkx {
  url: string;
  /** Funding bills served by GET /api/v5/asset/bills, newest first. */
  bills: Record<string, string>[];
  /** Server clock offset from the machine's clock. */
  skewMs: number;
  requests: string[];
  close(): Promise<void>;
}

export async function startMiniOkx(keys: MiniKey[]): Promise<MiniOkx> {
  const state = { skewMs: 0, requests: [] as string[], bills: [] as Record<string, string>[] };
  const server: Server = createServer((req, res) => {
    const now = Date.now() + state.skewMs;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = req.url ?? '/';
    const route = path.split('?')[0];
    state.requests.push(`${req.method} ${path}`);
    if (route === '/api/v5/public/time')
      return send(200, { code: '0', msg: '', data: [{ ts: String(now) }] });
    if (route !== '/api/v5/account/config' && route !== '/api/v5/asset/bills')
      return send(404, { code: '50005', msg: 'API endpoint is inactive or unavailable.' });
    const h = (n: string) => req.headers[n] as string | undefined;
    const key = keys.find((k) => k.apiKey === h('ok-access-key'));
    if (!key) return send(401, { code: '50111', msg: 'Invalid OK-ACCESS-KEY.' });
    const ts = h('ok-access-timestamp') ?? '';
    const tsMs = parseIsoTimestamp(ts);
    if (tsMs === undefined) return send(401, { code: '50112', msg: 'Invalid OK-ACCESS-TIMESTAMP.' });
    if (Math.abs(now - tsMs) > 30_000) return send(401, { code: '50102', msg: 'Timestamp request expired' });
    if ((h('x-simulated-trading') === '1') !== key.demo)
      return send(401, { code: '50101', msg: 'APIKey does not match current environment.' });
    if (h('ok-access-passphrase') !== key.passphrase)
      return send(401, { code: '50105', msg: 'Request header "OK-ACCESS-PASSPHRASE" incorrect.' });
    if (
      h('ok-access-sign') !==
      signRequest({ timestamp: ts, method: 'GET', requestPath: path, body: '', secretKey: key.secretKey })
    ) {
      return send(401, { code: '50113', msg: 'Invalid signature.' });
    }
    if (key.ip && !key.ip.split(',').includes('127.0.0.1'))
      return send(401, {
        code: '50110',
        msg: "Your IP 127.0.0.1 is not included in your API key's IP whitelist.",
      });
    if (route === '/api/v5/asset/bills') {
      // Newest first, 100 a page, `after` = ts (docs/OKX-PROTOCOL.md §7.3, pagingType 1).
      const after = new URL(path, 'http://x').searchParams.get('after');
      const page = state.bills.filter((b) => !after || Number(b.ts) < Number(after)).slice(0, 100);
      return send(200, { code: '0', msg: '', data: page });
    }
    send(200, {
      code: '0',
      msg: '',
      data: [
        {
          uid: '44705892343619584',
          mainUid: '44705892343619584',
          acctLv: '1',
          label: key.label,
          perm: key.perm,
          ip: key.ip,
        },
      ],
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get skewMs() {
      return state.skewMs;
    },
    set skewMs(v: number) {
      state.skewMs = v;
    },
    requests: state.requests,
    bills: state.bills,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}

/** A bare signed client (no clock correction), enough for auditKey. */
export function miniClient(
  url: string,
  creds: Credentials,
  opts: { demo?: boolean; now?: () => number } = {},
): AuditClient {
  const now = opts.now ?? Date.now;
  const get = async (path: string, signed: boolean) => {
    const headers: Record<string, string> = {};
    if (signed) {
      const ts = isoTimestamp(now());
      headers['OK-ACCESS-KEY'] = creds.apiKey;
      headers['OK-ACCESS-TIMESTAMP'] = ts;
      headers['OK-ACCESS-PASSPHRASE'] = creds.revealPassphrase();
      headers['OK-ACCESS-SIGN'] = signRequest({
        timestamp: ts,
        method: 'GET',
        requestPath: path,
        body: '',
        secretKey: creds.revealSecret(),
      });
      if (opts.demo) headers['x-simulated-trading'] = '1';
    }
    const res = await fetch(url + path, { headers });
    const body = (await res.json()) as { code: string; msg: string; data?: Record<string, string>[] };
    if (body.code !== '0')
      throw Object.assign(new Error(`GET ${path}: OKX ${body.code} ${body.msg}`), { code: body.code });
    return body.data ?? [];
  };
  return {
    public: { time: async () => Number((await get('/api/v5/public/time', false))[0]!.ts) },
    account: { config: async () => (await get('/api/v5/account/config', true))[0] },
  };
}
