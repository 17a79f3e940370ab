import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from './channels.js';

/** One request a test receiver got. */
export interface ReceivedAlert {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** With a secret: `ok`, `unsigned` (no signature header: a chat service's format), or why it failed. */
  signature?: 'ok' | 'unsigned' | string;
}

export interface AlertReceiver {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedAlert[];
  /** Resolves with the n-th request (1-based) once it has arrived. */
  next(n?: number): Promise<ReceivedAlert>;
  close(): Promise<void>;
}

/**
 * A TEST receiver standing in for a webhook / Slack / Discord / Telegram endpoint on loopback:
 * it answers every POST with 200 (Telegram's `{ "ok": true }` for `.../sendMessage`), records it,
 * and, given the webhook secret, checks its signature. `status` makes it answer an error instead
 * (to exercise retries). Not a production service.
 */
export async function startAlertReceiver(
  opts: {
    port?: number;
    host?: string;
    secret?: string;
    now?: () => number;
    status?: (n: number, req: ReceivedAlert) => number;
    onAlert?: (r: ReceivedAlert) => void;
  } = {},
): Promise<AlertReceiver> {
  const received: ReceivedAlert[] = [];
  const waiters: Array<{ n: number; resolve: (r: ReceivedAlert) => void }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: ReceivedAlert = { path: req.url ?? '/', headers: req.headers, body };
      if (opts.secret !== undefined && req.headers[SIGNATURE_HEADER] === undefined) r.signature = 'unsigned';
      else if (opts.secret !== undefined) {
        const v = verifyWebhook({
          secret: opts.secret,
          body,
          signature: req.headers[SIGNATURE_HEADER] as string | undefined,
          timestamp: req.headers[TIMESTAMP_HEADER] as string | undefined,
          nowMs: (opts.now ?? Date.now)(),
        });
        r.signature = v.ok ? 'ok' : v.reason;
      }
      received.push(r);
      const status = opts.status?.(received.length, r) ?? 200;
      const ok = status >= 200 && status < 300;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        /\/sendMessage$/.test(r.path) ? JSON.stringify({ ok, result: {} }) : ok ? '{}' : '{"error":"test"}',
      );
      if (ok) opts.onAlert?.(r);
      for (const w of [...waiters]) {
        if (received.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(received[w.n - 1]!);
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    received,
    next(n = received.length + 1) {
      if (received.length >= n) return Promise.resolve(received[n - 1]!);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
