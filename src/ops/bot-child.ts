// One bot in its own process, started by the supervisor (src/ops/supervisor.ts). Everything it
// needs arrives in one IPC message; it reports its status and metrics over IPC, asks the
// supervisor's limiter for every request, and stops cleanly (journal and state closed) on
// `stop`, SIGTERM or SIGINT. A crash or kill -9 of this process touches no other bot.
import { OkxClient } from '../client/okx-client.js';
import { Credentials } from '../client/credentials.js';
import { runBot } from '../bots/run-bot.js';
import type { BotRunner } from '../bots/runner.js';
import type { TradingStack } from '../bots/session.js';
import { AuditLog } from '../security/audit-log.js';
import { FileKillStore, KillSwitch } from '../trading/kill-switch.js';
import { IpcRateLimiter, type FromChild, type ToChild } from './ipc.js';
import { BotMetrics } from './metrics.js';

const send = (m: FromChild): void => {
  if (process.connected) process.send!(m);
};

// long: one bot's run with its IPC reports and WebSocket hooks; the callbacks share the run's locals
export async function runChild(
  init: Extract<ToChild, { t: 'init' }>,
  limiter: IpcRateLimiter,
  signal: AbortSignal,
): Promise<void> {
  const spec = init.spec;
  const metrics = new BotMetrics(spec.id);
  const credentials = new Credentials(init.key.apiKey, init.key.secretKey, init.key.passphrase);
  const client = new OkxClient({
    baseUrl: init.baseUrl,
    demo: init.demo,
    credentials,
    limiter,
    onRequest: metrics.onRequest,
  });
  const killSwitch = new KillSwitch({
    scope: init.killScope,
    store: new FileKillStore({ dir: init.killDir }),
  });
  const audit = new AuditLog(init.auditPath);
  let runner: BotRunner | undefined;
  let stack: TradingStack | undefined;
  const ws: Record<string, boolean> = {};
  const report = async () => {
    if (!runner) return;
    const status = runner.status();
    const risk = stack?.risk.snapshot();
    metrics.sample(status, risk, spec.config.risk ?? {}, {
      offsetMs: client.clockOffsetMs,
      errorMs: client.clockErrorMs,
    });
    send({
      t: 'report',
      status,
      ...(risk ? { risk } : {}),
      metrics: await metrics.snapshot(),
      health: {
        ws,
        clockOffsetMs: client.clockOffsetMs,
        clockErrorMs: Number.isFinite(client.clockErrorMs) ? client.clockErrorMs : -1,
      },
    });
  };
  const timer = setInterval(() => void report().catch(() => undefined), init.reportEveryMs);
  try {
    const summary = await runBot({
      config: spec.config,
      client,
      statePath: init.statePath,
      journalPath: init.journalPath,
      signal,
      cancelOnExit: spec.cancelOnExit,
      streams: { credentials },
      killSwitch,
      audit,
      onStack: (s) => {
        stack = s;
        // Connection state, reconnects and order book resyncs of the bot's WebSocket client.
        if (s.ws) metrics.followWs(s.ws, ws);
      },
      onStarted: (r) => {
        runner = r;
        send({ t: 'started' });
        void report();
      },
      onEvent: (e) => {
        metrics.onBotEvent(e);
        send({ t: 'event', event: e });
      },
      onTrouble: (text) => send({ t: 'event', event: { type: 'warning', ts: Date.now(), text } }),
    });
    clearInterval(timer);
    send({ t: 'stopped', status: summary });
  } finally {
    clearInterval(timer);
    await client.close();
  }
}

// Started as a child process: wait for `init`, run, exit.
if (process.send) {
  const ac = new AbortController();
  process.once('SIGTERM', () => ac.abort());
  process.once('SIGINT', () => ac.abort());
  const limiter = new IpcRateLimiter(send);
  // Everything is closed by now; a handle left open by a library must not keep a stopped bot alive.
  const exit = (code: number) => {
    process.exitCode = code;
    if (process.connected) process.disconnect();
    setTimeout(() => process.exit(code), 2000).unref();
  };
  process.on('message', (m: ToChild) => {
    if (m.t === 'grant') limiter.granted(m.id);
    else if (m.t === 'stop') ac.abort();
    else if (m.t === 'init')
      runChild(m, limiter, ac.signal).then(
        () => exit(0),
        (err: unknown) => {
          send({ t: 'fatal', error: err instanceof Error ? err.message : String(err) });
          exit(2);
        },
      );
  });
  // The supervisor gone (its IPC channel closed): stop rather than trade unsupervised.
  process.on('disconnect', () => ac.abort());
}
