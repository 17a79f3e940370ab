import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { verifyAuditLogFile } from '../security/audit-log.js';
import { type Clock, systemClock, timersOf, type TimerHandle } from '../util/clock.js';
import { OkxkitError, ValidationError } from '../util/errors.js';
import { DASHBOARD_HTML } from './dashboard-page.js';
import type { MetricsJson } from './metrics.js';
import type { Supervisor } from './supervisor.js';

export interface OpsServerOptions {
  supervisor: Supervisor;
  host: string;
  port: number;
  /** Required to bind anywhere but loopback: a bearer token (or the login form's cookie). */
  token?: string;
  /** The audit trail shown on the dashboard (tail and verification). */
  auditPath: string;
  clock?: Clock;
}

/** Whether a host name is this machine only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

let chartLib: string | undefined;
function lightweightCharts(): string {
  if (chartLib) return chartLib;
  const req = createRequire(import.meta.url);
  const dir = dirname(req.resolve('lightweight-charts/package.json'));
  chartLib = readFileSync(join(dir, 'dist', 'lightweight-charts.standalone.production.js'), 'utf8');
  return chartLib;
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

async function body(req: IncomingMessage, max = 16 * 1024): Promise<string> {
  let s = '';
  for await (const chunk of req) {
    s += String(chunk);
    if (s.length > max) throw new ValidationError('body', 'is too large', 'send at most 16 KiB');
  }
  return s;
}

/** Sums of the REST series over the bot processes: request and error rates, mean latency. */
function apiHealth(children: MetricsJson[]): {
  requests: number;
  errors: number;
  meanLatencyMs: number;
  errorCodes: Record<string, number>;
} {
  let requests = 0;
  let errors = 0;
  let latSum = 0;
  let latCount = 0;
  const errorCodes: Record<string, number> = {};
  for (const c of children)
    for (const m of c) {
      if (m.name === 'okxkit_rest_requests_total')
        for (const v of m.values) {
          requests += v.value;
          if (v.labels.outcome !== 'ok') errors += v.value;
        }
      else if (m.name === 'okxkit_rest_request_duration_seconds')
        for (const v of m.values) {
          if ((v as { metricName?: string }).metricName === 'okxkit_rest_request_duration_seconds_sum')
            latSum += v.value;
          if ((v as { metricName?: string }).metricName === 'okxkit_rest_request_duration_seconds_count')
            latCount += v.value;
        }
      else if (m.name === 'okxkit_okx_errors_total')
        for (const v of m.values) {
          const code = String(v.labels.code);
          errorCodes[code] = (errorCodes[code] ?? 0) + v.value;
        }
    }
  return { requests, errors, meanLatencyMs: latCount ? (latSum / latCount) * 1000 : 0, errorCodes };
}

/**
 * The supervisor's HTTP server: `/metrics` (Prometheus), the dashboard (`/`), its state
 * (`/api/state`), live updates (`/events`, server-sent events) and its actions (POST
 * `/api/bots/<id>/stop|start`, `/api/kill`, `/api/resume`). Loopback by default; anywhere else only
 * with a token. Every action needs the page's CSRF token in `x-csrf-token` and a same-origin
 * request; on loopback the Host header must be loopback too (no DNS rebinding).
 */
export class OpsServer {
  readonly server: Server;
  readonly csrf = randomBytes(24).toString('base64url');
  private readonly clock: Clock;
  private readonly sse = new Set<ServerResponse>();
  private sseTimer: TimerHandle | undefined;
  private beat: TimerHandle | undefined;
  private offChange: () => void = () => undefined;
  private auditCache: { key: string; value: unknown } | undefined;

  constructor(private readonly opts: OpsServerOptions) {
    this.clock = opts.clock ?? systemClock;
    if (!isLoopbackHost(opts.host) && !opts.token)
      throw new ValidationError(
        'listen.host',
        `${opts.host} is not loopback and no token protects the dashboard`,
        'set OKXKIT_DASHBOARD_TOKEN (or OKXKIT_DASHBOARD_TOKEN_FILE), or bind 127.0.0.1',
      );
    if (opts.token !== undefined && opts.token.length < 16)
      throw new ValidationError(
        'dashboard token',
        'is shorter than 16 characters',
        'use e.g. `openssl rand -hex 24`',
      );
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => this.fail(res, err));
    });
  }

  async listen(): Promise<{ port: number; url: string }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const addr = this.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
    this.offChange = this.opts.supervisor.onChange(() => this.schedulePush());
    this.beat = timersOf(this.clock).setInterval(
      () => {
        for (const r of this.sse) r.write(': keep-alive\n\n');
      },
      15_000,
      { unref: true },
    );
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return { port, url: `http://${host}:${port}/` };
  }

  async close(): Promise<void> {
    this.offChange();
    timersOf(this.clock).clear(this.sseTimer);
    timersOf(this.clock).clear(this.beat);
    for (const r of this.sse) r.end();
    this.sse.clear();
    this.server.closeAllConnections?.();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private schedulePush(): void {
    if (this.sseTimer || this.sse.size === 0) return;
    this.sseTimer = timersOf(this.clock).setTimeout(() => {
      this.sseTimer = undefined;
      const data = `data: ${JSON.stringify(this.state())}\n\n`;
      for (const r of this.sse) r.write(data);
    }, 250);
  }

  private authorized(req: IncomingMessage): boolean {
    const token = this.opts.token;
    if (token === undefined) return true;
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Bearer ') && sameSecret(auth.slice(7), token)) return true;
    const c = cookies(req).okxkit_session;
    return c !== undefined && sameSecret(c, this.sessionOf(token));
  }

  private sessionOf(token: string): string {
    return createHash('sha256').update(`okxkit-session:${token}:${this.csrf}`).digest('hex');
  }

  private hostOk(req: IncomingMessage): boolean {
    if (!isLoopbackHost(this.opts.host)) return true;
    const h = (req.headers.host ?? '').replace(/:\d+$/, '');
    return isLoopbackHost(h);
  }

  private sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined)
      return req.headers['sec-fetch-site'] === undefined || req.headers['sec-fetch-site'] === 'same-origin';
    return origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (!this.hostOk(req)) return this.send(res, 421, 'text/plain', 'wrong Host for a loopback server\n');
    if (req.method === 'POST' && path === '/login') return this.login(req, res);
    // liveness for Docker / systemd: says nothing but "up"
    if (req.method === 'GET' && path === '/healthz') return this.send(res, 200, 'text/plain', 'ok\n');
    if (!this.authorized(req)) {
      if (req.method === 'GET' && path === '/')
        return this.send(res, 200, 'text/html; charset=utf-8', LOGIN_HTML);
      return this.send(res, 401, 'text/plain', 'unauthorized: send Authorization: Bearer <token>\n', {
        'www-authenticate': 'Bearer',
      });
    }
    if (req.method === 'GET') {
      if (path === '/metrics') {
        const m = await this.opts.supervisor.metricsText();
        return this.send(res, 200, m.contentType, m.text);
      }
      if (path === '/')
        return this.send(
          res,
          200,
          'text/html; charset=utf-8',
          DASHBOARD_HTML.replace('__CSRF__', this.csrf),
          {
            'content-security-policy':
              "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
            'x-frame-options': 'DENY',
          },
        );
      if (path === '/static/lightweight-charts.js')
        return this.send(res, 200, 'text/javascript; charset=utf-8', lightweightCharts(), {
          'cache-control': 'max-age=3600',
        });
      if (path === '/api/state') return this.send(res, 200, 'application/json', JSON.stringify(this.state()));
      if (path === '/events') return this.events(res);
    }
    if (req.method === 'POST' && path.startsWith('/api/')) {
      const csrf = req.headers['x-csrf-token'];
      if (typeof csrf !== 'string' || !sameSecret(csrf, this.csrf) || !this.sameOrigin(req))
        return this.send(
          res,
          403,
          'text/plain',
          'forbidden: missing or wrong CSRF token, or a cross-site request\n',
        );
      const input = (await body(req)) || '{}';
      const args = JSON.parse(input) as { why?: unknown; by?: unknown };
      const why = typeof args.why === 'string' ? args.why : '';
      const by = typeof args.by === 'string' && args.by.trim() ? args.by.trim().slice(0, 64) : 'dashboard';
      const s = this.opts.supervisor;
      const m = /^\/api\/bots\/([^/]+)\/(stop|start)$/.exec(path);
      let result: unknown;
      if (m)
        result =
          m[2] === 'stop' ? await s.stop(decodeURIComponent(m[1]!)) : s.start(decodeURIComponent(m[1]!));
      else if (path === '/api/kill') result = s.kill(why, by);
      else if (path === '/api/resume') result = s.resume(why, by);
      else return this.send(res, 404, 'text/plain', 'not found\n');
      return this.send(res, 200, 'application/json', JSON.stringify(result));
    }
    return this.send(res, 404, 'text/plain', 'not found\n');
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = this.opts.token;
    const form = new URLSearchParams(await body(req));
    if (token === undefined || !sameSecret(form.get('token') ?? '', token))
      return this.send(res, 401, 'text/plain', 'wrong token\n');
    res.writeHead(303, {
      location: '/',
      'set-cookie': `okxkit_session=${this.sessionOf(token)}; HttpOnly; SameSite=Strict; Path=/`,
    });
    res.end();
  }

  private events(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(`data: ${JSON.stringify(this.state())}\n\n`);
    this.sse.add(res);
    res.on('close', () => this.sse.delete(res));
  }

  private audit(): unknown {
    const p = this.opts.auditPath;
    if (!existsSync(p)) return { ok: true, records: 0, problems: [], tail: [] };
    const st = statSync(p);
    const key = `${st.size}:${st.mtimeMs}`;
    if (this.auditCache?.key === key) return this.auditCache.value;
    const r = verifyAuditLogFile(p);
    const tail = readFileSync(p, 'utf8')
      .trim()
      .split('\n')
      .slice(-15)
      .flatMap((l) => {
        try {
          const x = JSON.parse(l) as {
            seq: number;
            ts: string;
            operator: string;
            action: string;
            why: string;
          };
          return [{ seq: x.seq, ts: x.ts, operator: x.operator, action: x.action, why: x.why }];
        } catch {
          return [];
        }
      });
    const value = {
      ok: r.ok,
      records: r.records,
      problems: r.problems.slice(0, 3).map((x) => x.message),
      tail,
    };
    this.auditCache = { key, value };
    return value;
  }

  /** Everything the dashboard shows, as one JSON object. */
  state(): unknown {
    const s = this.opts.supervisor;
    const kill = s.killSwitch.state();
    return {
      now: this.clock.now(),
      scope: s.killSwitch.scope,
      kill,
      bots: s.list(),
      account: s.account,
      api: { ...apiHealth(s.childMetrics()), limiter: s.shared.headroom() },
      audit: this.audit(),
      alerts: s.alertsTail(30),
    };
  }

  private send(
    res: ServerResponse,
    status: number,
    type: string,
    text: string,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      'content-type': type,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...headers,
    });
    res.end(text);
  }

  private fail(res: ServerResponse, err: unknown): void {
    const status =
      err instanceof ValidationError || err instanceof SyntaxError
        ? 400
        : err instanceof OkxkitError
          ? 409
          : 500;
    const message = err instanceof Error ? err.message : String(err);
    if (!res.headersSent) this.send(res, status, 'application/json', JSON.stringify({ error: message }));
    else res.end();
  }
}

const LOGIN_HTML = `<!doctype html><meta charset="utf-8"><title>okxkit: sign in</title>
<form method="post" action="/login" style="font:14px system-ui;margin:4em auto;width:20em">
<p>This dashboard is protected by a token (OKXKIT_DASHBOARD_TOKEN).</p>
<input name="token" type="password" autocomplete="current-password" style="width:100%"><p><button>Sign in</button></p></form>`;
