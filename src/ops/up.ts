import type { Server } from 'node:net';
import { OkxClient } from '../client/okx-client.js';
import { Credentials } from '../client/credentials.js';
import { AuditLog } from '../security/audit-log.js';
import type { Alerts } from '../trading/alerts.js';
import { type Clock, systemClock, timersOf } from '../util/clock.js';
import { alertsFromOpsConfig, type OpsConfig } from './config.js';
import { controlSocketPath, serveControl } from './control.js';
import { OpsServer } from './http.js';
import { Supervisor, type OpsVenue, type SupervisorOptions } from './supervisor.js';

export interface StartOpsOptions {
  config: OpsConfig;
  venue: OpsVenue;
  /** OKXKIT_HOME: state, journals, the control socket, the audit trail. */
  home: string;
  auditPath: string;
  /** The dashboard token (required off loopback). */
  token?: string;
  /** Overrides the config's listen.port (0 = any free port). */
  port?: number;
  host?: string;
  /** Default: the config's `alerts:` sinks. */
  alerts?: Alerts;
  clock?: Clock;
  /** Account balances and positions are read this often (ms). Default 5000. */
  accountEveryMs?: number;
  log?: (line: string) => void;
  spawn?: SupervisorOptions['spawn'];
  /** Status and metrics reports from each bot process, ms. Default 1000. */
  reportEveryMs?: number;
}

export interface OpsHandle {
  supervisor: Supervisor;
  server: OpsServer;
  control: Server;
  alerts: Alerts;
  /** The dashboard's URL (metrics at `${url}metrics`). */
  url: string;
  port: number;
  socketPath: string;
  /** Stops every bot (as configured: cancel or keep orders; journals closed), then the servers. */
  stop(): Promise<void>;
}

// long: the wiring of `okxkit up` in start order (supervisor, servers, account poll) and its stop in reverse
/**
 * `okxkit up`: the supervisor with its bots, the control socket and the HTTP server (metrics and
 * dashboard), and a poll of the account's balances and positions for the dashboard. The account
 * client asks the same shared limiter as the bots.
 */
export async function startOps(opts: StartOpsOptions): Promise<OpsHandle> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? ((l: string) => void process.stderr.write(`${l}\n`));
  const ownAlerts = opts.alerts ? undefined : await alertsFromOpsConfig(opts.config, [], { clock });
  const alerts = opts.alerts ?? ownAlerts!;
  const auditLog = new AuditLog(opts.auditPath);
  const supervisor = new Supervisor({
    config: opts.config,
    venue: opts.venue,
    home: opts.home,
    auditLog,
    auditPath: opts.auditPath,
    alerts,
    clock,
    log,
    ...(opts.spawn ? { spawn: opts.spawn } : {}),
    ...(opts.reportEveryMs ? { reportEveryMs: opts.reportEveryMs } : {}),
  });
  const server = new OpsServer({
    supervisor,
    host: opts.host ?? opts.config.listen.host,
    port: opts.port ?? opts.config.listen.port,
    auditPath: opts.auditPath,
    clock,
    ...(opts.token !== undefined ? { token: opts.token } : {}),
  });
  const socketPath = controlSocketPath(opts.home);
  const control = await serveControl(supervisor, socketPath);
  let listening: { port: number; url: string };
  try {
    listening = await server.listen();
  } catch (err) {
    await new Promise<void>((r) => control.close(() => r()));
    throw err;
  }
  const v = opts.venue;
  const client = new OkxClient({
    baseUrl: v.baseUrl,
    demo: v.demo,
    credentials: new Credentials(v.key.apiKey, v.key.secretKey, v.key.passphrase),
    limiter: supervisor.shared.limiter,
    clock,
  });
  const readAccount = async () => {
    try {
      const b = await client.account.balance();
      let positions: unknown[] = [];
      try {
        positions = await client.account.positions();
      } catch {
        // a spot-only account (or venue) without positions
      }
      supervisor.account = {
        balances: b.details.map((d) => ({ ccy: d.ccy, eq: d.eq, availBal: d.availBal })),
        positions,
        error: '',
        at: clock.now(),
      };
      for (const d of b.details) supervisor.metrics.accountEquity.set({ ccy: d.ccy }, Number(d.eq));
    } catch (err) {
      supervisor.account = { ...supervisor.account, error: err instanceof Error ? err.message : String(err) };
    }
  };
  void readAccount();
  const accountTimer = timersOf(clock).setInterval(() => void readAccount(), opts.accountEveryMs ?? 5000, {
    unref: true,
  });
  supervisor.startAll();
  let stopping: Promise<void> | undefined;
  return {
    supervisor,
    server,
    control,
    alerts,
    url: listening.url,
    port: listening.port,
    socketPath,
    stop() {
      stopping ??= (async () => {
        timersOf(clock).clear(accountTimer);
        await supervisor.stopAll();
        await new Promise<void>((r) => control.close(() => r()));
        await server.close();
        await client.close();
        // Held alert summaries go out before the process ends.
        await ownAlerts?.close?.();
      })();
      return stopping;
    },
  };
}
