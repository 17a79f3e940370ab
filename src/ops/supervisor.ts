import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RateLimiter } from '../client/rate-limiter.js';
import type { BotEvent, BotStatus } from '../bots/runner.js';
import type { RiskSnapshot } from '../trading/risk.js';
import type { Alert, Alerts } from '../trading/alerts.js';
import { FileKillStore, KillSwitch, type KillState } from '../trading/kill-switch.js';
import type { AuditLog } from '../security/audit-log.js';
import { type Clock, systemClock, timersOf, sleepOn, type TimerHandle } from '../util/clock.js';
import { OkxkitError, ValidationError } from '../util/errors.js';
import type { OpsBotSpec, OpsConfig } from './config.js';
import { SharedLimiter, type FromChild, type ToChild } from './ipc.js';
import { SupervisorMetrics, exposition, type MetricsJson } from './metrics.js';

export type BotProcState = 'starting' | 'running' | 'stopping' | 'stopped' | 'backoff' | 'failed';

/** The venue the bots trade on, resolved once by the caller (the embedded local exchange, OKX, demo). */
export interface OpsVenue {
  baseUrl: string;
  demo: boolean;
  key: { apiKey: string; secretKey: string; passphrase: string };
  /** The kill switch scope of this venue and key. */
  killScope: string;
}

/** The process a bot runs in: a Node child process with an IPC channel (fork), or a test double. */
export interface BotProcess {
  readonly pid?: number | undefined;
  send(m: ToChild): boolean;
  kill(signal?: NodeJS.Signals): boolean;
  on(event: 'message', l: (m: FromChild) => void): unknown;
  on(event: 'exit', l: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', l: (err: Error) => void): unknown;
}

export interface BotView {
  id: string;
  kind: string;
  instId: string;
  state: BotProcState;
  pid: number | undefined;
  restarts: number;
  lastError: string;
  status: BotStatus | undefined;
  risk: RiskSnapshot | undefined;
  health: { ws: Record<string, boolean>; clockOffsetMs: number; clockErrorMs: number } | undefined;
  /** [ms, equity] points, oldest first (one per report, at most 2000). */
  equity: [number, number][];
  /** The newest bot events (fills, placements, errors), newest last. */
  events: BotEvent[];
}

export interface SupervisorOptions {
  config: OpsConfig;
  venue: OpsVenue;
  /** OKXKIT_HOME: bot state, journals, kill switch files. */
  home: string;
  auditLog: AuditLog;
  /** Where the supervisor's own audit file lives (for the bot processes). */
  auditPath: string;
  alerts?: Alerts;
  clock?: Clock;
  /** Starts a bot process; default: a forked Node process running bot-child. */
  spawn?: (spec: OpsBotSpec) => BotProcess;
  /** Status and metrics reports from each bot process, ms. Default 1000. */
  reportEveryMs?: number;
  /** How long a bot gets to stop cleanly before SIGKILL, ms. Default 30 000. */
  stopTimeoutMs?: number;
  /** Lines for people (stderr by default). */
  log?: (line: string) => void;
}

class Proc {
  state: BotProcState = 'stopped';
  child: BotProcess | undefined;
  /** Times of the restarts after crashes inside the budget window. */
  crashTimes: number[] = [];
  restarts = 0;
  lastError = '';
  status: BotStatus | undefined;
  risk: RiskSnapshot | undefined;
  health: BotView['health'];
  metrics: MetricsJson | undefined;
  equity: [number, number][] = [];
  events: BotEvent[] = [];
  timer: TimerHandle | undefined;
  exited: Promise<void> = Promise.resolve();
  constructor(readonly spec: OpsBotSpec) {}
}

/** The file a forked bot process runs: the compiled .js next to this file, or the .ts under tsx. */
function childModule(): { path: string; execArgv: string[] } {
  const url = import.meta.url;
  if (url.endsWith('.ts'))
    return {
      path: fileURLToPath(new URL('./bot-child.ts', url)),
      execArgv: ['--import', import.meta.resolve('tsx')],
    };
  return { path: fileURLToPath(new URL('./bot-child.js', url)), execArgv: [] };
}

/**
 * Runs many bots, each in its own process (own state, journal, clOrdId prefix and risk limits), so
 * a crash or a `kill -9` of one is seen at once (the process's exit) and touches no other. A bot
 * that ends without being asked to is started again after an exponential backoff on the
 * injectable clock; more than `restart.maxRestarts` crashes within `restart.windowSec` leave it
 * stopped (state `failed`, a `bot-crash-loop` alert). Every bot process asks the supervisor's one
 * rate limiter before each request (over IPC), so the bots of one key share OKX's budget.
 */
export class Supervisor {
  readonly metrics: SupervisorMetrics;
  readonly shared: SharedLimiter;
  readonly killSwitch: KillSwitch;
  private readonly procs = new Map<string, Proc>();
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly listeners = new Set<() => void>();
  private closed = false;
  /** Balances and positions of the account, as last read (set by the caller's poll). */
  account: {
    balances: { ccy: string; eq: string; availBal: string }[];
    positions: unknown[];
    error: string;
    at: number;
  } = {
    balances: [],
    positions: [],
    error: '',
    at: 0,
  };

  constructor(private readonly opts: SupervisorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? ((l) => void process.stderr.write(`${l}\n`));
    this.shared = new SharedLimiter(
      new RateLimiter({
        clock: this.clock,
        sleep: sleepOn(this.clock),
        holdUntilRelease: true,
        onPressure: (e) => {
          this.metrics.pressure.inc({ endpoint: e.endpoint });
          opts.alerts?.rateLimitPressure(e);
        },
      }),
    );
    this.metrics = new SupervisorMetrics({ headroom: () => this.shared.headroom() });
    this.killSwitch = new KillSwitch({
      scope: opts.venue.killScope,
      store: new FileKillStore({ dir: opts.home }),
    });
    for (const spec of opts.config.bots) {
      this.procs.set(spec.id, new Proc(spec));
      this.metrics.up.set({ bot: spec.id }, 0);
      this.metrics.restarts.inc({ bot: spec.id }, 0);
      this.metrics.crashes.inc({ bot: spec.id }, 0);
    }
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
  }

  get stateDir(): string {
    return this.opts.config.stateDir ?? join(this.opts.home, 'bots');
  }

  /** Called after any change a dashboard shows (a report, a state change, an alert). */
  onChange(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Starts every bot of the config. */
  startAll(): void {
    for (const id of this.procs.keys()) this.start(id);
  }

  private proc(id: string): Proc {
    const p = this.procs.get(id);
    if (!p)
      throw new ValidationError(
        'id',
        `no bot "${id}" in this supervisor`,
        `use one of ${[...this.procs.keys()].join(', ')}`,
      );
    return p;
  }

  /** Starts a stopped or failed bot (a fresh restart budget); a running one is left alone. */
  start(id: string): BotView {
    const p = this.proc(id);
    if (this.closed) throw new OkxkitError('the supervisor is stopping', { code: 'SUPERVISOR_STOPPING' });
    if (p.state === 'stopped' || p.state === 'failed' || p.state === 'backoff') {
      timersOf(this.clock).clear(p.timer);
      p.crashTimes = [];
      this.spawn(p);
    }
    return this.view(p);
  }

  private spawn(p: Proc): void {
    const spec = p.spec;
    const child = (this.opts.spawn ?? defaultSpawn)(spec);
    p.child = child;
    p.state = 'starting';
    const owner = `${spec.id}#${child.pid ?? this.clock.now()}`;
    let resolveExit!: () => void;
    p.exited = new Promise((r) => (resolveExit = r));
    child.on('message', (m: FromChild) => this.onMessage(p, child, owner, m));
    child.on('error', (err) => {
      p.lastError = err.message;
    });
    child.on('exit', (code, signal) => {
      this.shared.releaseAll(owner);
      if (p.child === child) p.child = undefined;
      this.metrics.up.set({ bot: spec.id }, 0);
      resolveExit();
      this.onExit(p, code, signal);
    });
    this.audit('bot.started', spec, p.restarts ? `restart ${p.restarts} after a crash` : 'okxkit up');
    const v = this.opts.venue;
    child.send({
      t: 'init',
      spec,
      baseUrl: v.baseUrl,
      demo: v.demo,
      key: v.key,
      statePath: join(this.stateDir, `${spec.id}.sqlite`),
      journalPath: join(this.stateDir, `${spec.id}.journal.sqlite`),
      killScope: v.killScope,
      killDir: this.opts.home,
      auditPath: this.opts.auditPath,
      reportEveryMs: this.opts.reportEveryMs ?? 1000,
    });
    this.changed();
  }

  private onMessage(p: Proc, child: BotProcess, owner: string, m: FromChild): void {
    switch (m.t) {
      case 'acquire':
        void this.shared.acquire(owner, m).then(() => child.send({ t: 'grant', id: m.id }));
        return;
      case 'release':
        this.shared.release(owner, m.key, m.n);
        return;
      case 'started':
        if (p.state === 'starting') p.state = 'running';
        this.metrics.up.set({ bot: p.spec.id }, 1);
        this.log(`bot ${p.spec.id}: running (pid ${child.pid ?? '?'})`);
        break;
      case 'report': {
        p.status = m.status;
        p.risk = m.risk;
        p.metrics = m.metrics;
        p.health = m.health;
        const eq = Number(m.status.equity);
        if (m.status.equity !== '' && Number.isFinite(eq)) {
          p.equity.push([this.clock.now(), eq]);
          if (p.equity.length > 2000) p.equity.splice(0, p.equity.length - 2000);
        }
        if (m.status.lastError) p.lastError = m.status.lastError;
        break;
      }
      case 'event':
        p.events.push(m.event);
        if (p.events.length > 200) p.events.splice(0, p.events.length - 200);
        if (m.event.type === 'error') p.lastError = m.event.text;
        break;
      case 'stopped':
        p.status = m.status;
        break;
      case 'fatal':
        p.lastError = m.error;
        this.log(`bot ${p.spec.id}: ${m.error}`);
        break;
    }
    this.changed();
  }

  /** Records a bot's start and stop in the audit trail; a failing trail is reported, never fatal here. */
  private audit(action: string, spec: OpsBotSpec, why: string): void {
    try {
      this.opts.auditLog.append({
        action,
        details: { bot: spec.id, kind: spec.kind, instId: spec.config.instId, via: 'okxkit up' },
        why,
      });
    } catch (err) {
      this.log(`audit trail: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private onExit(p: Proc, code: number | null, signal: NodeJS.Signals | null): void {
    const id = p.spec.id;
    const spec = p.spec;
    if (p.state === 'stopping' || this.closed) {
      p.state = 'stopped';
      this.audit('bot.stopped', spec, 'stopped by the supervisor');
      this.log(`bot ${id}: stopped`);
      this.changed();
      return;
    }
    // Not asked to stop: a crash (an exception, a kill -9, the OOM killer).
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    if (!p.lastError || p.state === 'running') p.lastError = `process ${how}`;
    this.metrics.crashes.inc({ bot: id });
    const now = this.clock.now();
    const r = this.opts.config.restart;
    p.crashTimes = p.crashTimes.filter((t) => now - t < r.windowSec * 1000);
    const alerts = this.opts.alerts;
    if (p.crashTimes.length >= r.maxRestarts) {
      p.state = 'failed';
      this.log(`bot ${id}: ${how}; ${p.crashTimes.length} restarts in ${r.windowSec} s, left stopped`);
      void alerts?.emit({
        kind: 'bot-crash-loop',
        severity: 'critical',
        message: `bot ${id} crashed ${p.crashTimes.length + 1} times within ${r.windowSec} s: left stopped`,
        details: { bot: id, how, restarts: p.crashTimes.length, lastError: p.lastError },
        dedupKey: `bot-crash-loop:${id}`,
      });
      this.changed();
      return;
    }
    const delay = Math.min(r.maxDelayMs, r.initialDelayMs * 2 ** p.crashTimes.length);
    p.crashTimes.push(now);
    p.state = 'backoff';
    this.log(`bot ${id}: ${how}; restarting in ${delay} ms`);
    void alerts?.emit({
      kind: 'bot-crash',
      severity: 'critical',
      message: `bot ${id} ${how}: restarting in ${delay} ms`,
      details: { bot: id, how, code, signal, restartInMs: delay, lastError: p.lastError },
      // every crash is news: one alert each
      dedupKey: `bot-crash:${id}:${now}`,
    });
    p.timer = timersOf(this.clock).setTimeout(() => {
      p.timer = undefined;
      if (this.closed || p.state !== 'backoff') return;
      p.restarts++;
      this.metrics.restarts.inc({ bot: id });
      this.spawn(p);
    }, delay);
    this.changed();
  }

  /** Asks a bot to stop (it cancels or keeps its orders as configured, closes its journal), and waits. */
  async stop(id: string): Promise<BotView> {
    const p = this.proc(id);
    timersOf(this.clock).clear(p.timer);
    p.timer = undefined;
    if (p.state === 'backoff' || p.state === 'failed') p.state = 'stopped';
    const child = p.child;
    if (child && p.state !== 'stopped') {
      p.state = 'stopping';
      this.changed();
      child.send({ t: 'stop' });
      const timeout = this.opts.stopTimeoutMs ?? 30_000;
      let t: TimerHandle | undefined;
      await Promise.race([
        p.exited,
        new Promise<void>(
          (r) =>
            (t = timersOf(this.clock).setTimeout(() => {
              this.log(`bot ${id}: did not stop within ${timeout} ms, killing it`);
              child.kill('SIGKILL');
              r();
            }, timeout)),
        ),
      ]);
      timersOf(this.clock).clear(t);
      await p.exited;
    }
    this.changed();
    return this.view(p);
  }

  /** Stops every bot (in parallel) and no more restarts. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.procs.keys()].map((id) => this.stop(id)));
  }

  /** Engages the kill switch of the venue's scope: every bot halts within a second (audited, alerted). */
  kill(why: string, by: string): KillState {
    if (!why.trim())
      throw new ValidationError('why', 'a reason is required to halt trading', 'say what happened');
    const s = this.killSwitch.engage({ why, by });
    this.opts.auditLog.append({
      action: 'killswitch.engaged',
      operator: by,
      details: { scope: this.killSwitch.scope, via: 'dashboard' },
      why,
    });
    this.metrics.killEngaged.set({ scope: this.killSwitch.scope }, 1);
    void this.opts.alerts?.emit({
      kind: 'kill-switch',
      severity: 'critical',
      message: `kill switch engaged on ${this.killSwitch.scope} by ${by}: ${why}`,
      details: { scope: this.killSwitch.scope, by, why },
    });
    this.changed();
    return s;
  }

  /** Releases the kill switch (audited, alerted); the bots place what they parked. */
  resume(why: string, by: string): KillState {
    const s = this.killSwitch.release({ why, by });
    this.opts.auditLog.append({
      action: 'killswitch.released',
      operator: by,
      details: { scope: this.killSwitch.scope, via: 'dashboard' },
      why,
    });
    this.metrics.killEngaged.set({ scope: this.killSwitch.scope }, 0);
    void this.opts.alerts?.emit({
      kind: 'kill-switch-released',
      severity: 'info',
      message: `kill switch released on ${this.killSwitch.scope} by ${by}: ${why}`,
      details: { scope: this.killSwitch.scope, by, why },
    });
    this.changed();
    return s;
  }

  private view(p: Proc): BotView {
    return {
      id: p.spec.id,
      kind: p.spec.kind,
      instId: p.spec.config.instId,
      state: p.state,
      pid: p.child?.pid,
      restarts: p.restarts,
      lastError: p.lastError,
      status: p.status,
      risk: p.risk,
      health: p.health,
      equity: p.equity,
      events: p.events.slice(-20),
    };
  }

  list(): BotView[] {
    return [...this.procs.values()].map((p) => this.view(p));
  }

  status(id: string): BotView {
    return this.view(this.proc(id));
  }

  alertsTail(n = 50): Alert[] {
    return this.opts.alerts?.history.slice(-n) ?? [];
  }

  /** The Prometheus text: the supervisor's series and every bot process's last snapshot. */
  async metricsText(): Promise<{ text: string; contentType: string }> {
    const ks = this.killSwitch.state();
    this.metrics.killEngaged.set({ scope: this.killSwitch.scope }, ks.halted ? 1 : 0);
    const children = [...this.procs.values()].flatMap((p) => (p.metrics ? [p.metrics] : []));
    return exposition(this.metrics.registry, children);
  }

  /** The children's last metrics (for the dashboard's API health). */
  childMetrics(): MetricsJson[] {
    return [...this.procs.values()].flatMap((p) => (p.metrics ? [p.metrics] : []));
  }
}

function defaultSpawn(spec: OpsBotSpec): BotProcess {
  const m = childModule();
  // The key reaches the bot over IPC only: none of the supervisor's secret variables is inherited.
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (/^(OKX_(API_KEY|SECRET_KEY|PASSPHRASE)|OKXKIT_(VAULT_PASSPHRASE|DASHBOARD_TOKEN))(_FILE)?$/.test(k))
      delete env[k];
  const child: ChildProcess = fork(m.path, [], {
    env,
    execArgv: m.execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
  });
  // The bot's own lines, prefixed, on the supervisor's stderr.
  const prefix = (d: Buffer) =>
    process.stderr.write(
      d
        .toString()
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => `[${spec.id}] ${l}\n`)
        .join(''),
    );
  child.stdout?.on('data', prefix);
  child.stderr?.on('data', prefix);
  return child;
}
