import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '../util/errors.js';
import type { SignalEngine, SignalResponse } from './engine.js';
import { SignalMetrics } from './metrics.js';

/** Settings of the signals HTTP server: bind address, port, body limit, trusted proxies. */
export interface SignalServerOptions {
  engine: SignalEngine;
  /**
   * The counters GET /metrics serves (to loopback clients only, never through a proxy): the server
   * has them follow `engine`. Default: a new SignalMetrics over the engine's sources; false = no
   * /metrics.
   */
  metrics?: SignalMetrics | false;
  /** Bind address. Default 127.0.0.1 (loopback): put a TLS-terminating proxy in front for the internet. */
  host?: string;
  /** Default 8787; 0 = any free port. */
  port?: number;
  /** Largest body accepted (bytes). Default 16 384. */
  maxBodyBytes?: number;
  /**
   * Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed. Empty
   * (the default): forwarded headers are ignored and the socket's peer is the client.
   */
  trustProxy?: string[];
  /** Refuse requests that did not arrive over HTTPS (per a trusted proxy's X-Forwarded-Proto). */
  requireHttps?: boolean;
}

/** A running signals server: its URL and port, and close(). */
export interface SignalServer {
  server: Server;
  /** e.g. http://127.0.0.1:8787 */
  url: string;
  port: number;
  close(): Promise<void>;
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || /^127\./.test(ip);
}

function norm(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** The client and scheme of a request: the socket's, or a trusted proxy's forwarded ones. */
export function clientOf(
  req: Pick<IncomingMessage, 'headers' | 'socket'>,
  trustProxy: readonly string[],
): { remote: string; proto: string } {
  const peer = norm(req.socket.remoteAddress ?? '');
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  if (!trustProxy.map(norm).includes(peer)) return { remote: peer, proto: encrypted };
  const xff = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // The right-most address no trusted proxy added is the client (proxies append).
  let remote = peer;
  for (let i = xff.length - 1; i >= 0; i--) {
    remote = norm(xff[i]!);
    if (!trustProxy.map(norm).includes(remote)) break;
  }
  const proto = String(req.headers['x-forwarded-proto'] ?? encrypted)
    .split(',')[0]!
    .trim()
    .toLowerCase();
  return { remote, proto };
}

/**
 * The webhook endpoint (docs/SIGNALS.md): POST /signal/<source>[/<token>] with a JSON signal,
 * GET /health. Everything else about a signal is the engine's; this reads the body (up to the
 * limit), works out the client behind a trusted proxy and writes the engine's JSON answer.
 */
// long: the request handler (health, method, HTTPS, body limit) is one closure over the options
export async function startSignalServer(opts: SignalServerOptions): Promise<SignalServer> {
  const limit = opts.maxBodyBytes ?? 16_384;
  if (!Number.isInteger(limit) || limit < 256)
    throw new ValidationError('maxBodyBytes', `${limit} is too small`, 'at least 256');
  const trust = opts.trustProxy ?? [];
  const send = (res: ServerResponse, r: SignalResponse) => {
    const body = JSON.stringify(r.body);
    res.writeHead(r.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
  };
  const metrics =
    opts.metrics === false
      ? undefined
      : (opts.metrics ?? new SignalMetrics({ sources: opts.engine.sourceNames() }));
  const unfollow = metrics?.follow(opts.engine);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const { remote, proto } = clientOf(req, trust);
    if (req.method === 'GET' && path === '/health') {
      send(res, { status: 200, body: { ok: true } });
      return;
    }
    // Counts per source are for the operator on this machine (or a local Prometheus), never for
    // whoever reaches the webhook: a request from elsewhere, or forwarded by a proxy, gets a 404.
    const forwarded = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
    if (req.method === 'GET' && path === '/metrics' && metrics && isLoopback(remote) && !forwarded) {
      void metrics.exposition().then(
        ({ text, contentType }) => {
          res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        () => send(res, { status: 500, body: { error: 'internal error' } }),
      );
      return;
    }
    if (req.method !== 'POST' || !path.startsWith('/signal')) {
      req.resume();
      send(res, {
        status: path.startsWith('/signal') ? 405 : 404,
        body: {
          error: `${req.method} ${path.startsWith('/signal') ? 'is not allowed: POST a signal' : 'not found'}`,
        },
      });
      return;
    }
    if (opts.requireHttps && proto !== 'https') {
      req.resume();
      send(
        res,
        opts.engine.reject(
          { path, remote },
          403,
          'HTTPS_REQUIRED',
          'url',
          'signals are accepted over HTTPS only',
        ),
      );
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () =>
      opts.engine.reject({ path, remote }, 413, 'BODY_TOO_LARGE', 'body', `is larger than ${limit} bytes`);
    if (declared > limit) {
      send(res, tooLarge());
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        res.setHeader('connection', 'close');
        send(res, tooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (over) return;
      void opts.engine
        .handle({ path, headers: req.headers, body: Buffer.concat(chunks), remote })
        .then((r) => send(res, r))
        .catch(() => send(res, { status: 500, body: { error: 'internal error' } }));
    });
    req.on('error', () => undefined);
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8787, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    port: addr.port,
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        unfollow?.();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
