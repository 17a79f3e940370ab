import { z } from 'zod';
import { Alerts, type Alert, type AlertSeverity, type AlertSink } from '../../trading/alerts.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { ValidationError } from '../../util/errors.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import {
  DiscordChannel,
  EmailChannel,
  SignedWebhookChannel,
  SlackChannel,
  TelegramChannel,
  type AlertChannel,
} from './channels.js';
import { ChannelSink, type DeliveryOutcome } from './delivery.js';
import { AlertRules, type AlertRuleThresholds } from './rules.js';
import {
  secretResolver,
  type SecretRef,
  type SecretResolver,
  type SecretResolverOptions,
} from './secrets.js';

const SECRET_FIX =
  'a secret is never written in the config file: use { env: NAME } (NAME or NAME_FILE in the environment) or { vault: NAME } (stored with `okxkit alerts secret set NAME`)';

const secretRef = z.union(
  [
    z
      .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not an environment variable name') })
      .strict(),
    z
      .object({ vault: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'is not a vault secret name') })
      .strict(),
  ],
  { error: () => SECRET_FIX },
);

const severity = z.enum(['info', 'warning', 'critical']);
const common = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use letters, digits, ".", "_" or "-"')
    .optional(),
  /** Alerts below this severity skip the channel. Default info (everything). */
  minSeverity: severity.optional(),
};
const httpUrl = z.string().url('is not a URL (e.g. https://hooks.example.com/okxkit)');

const channelSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('webhook'), url: httpUrl, secret: secretRef, ...common }).strict(),
    z.object({ type: z.literal('slack'), url: secretRef, ...common }).strict(),
    z.object({ type: z.literal('discord'), url: secretRef, ...common }).strict(),
    z
      .object({
        type: z.literal('telegram'),
        token: secretRef,
        chatId: z.union([z.string().min(1), z.number().int()]).transform(String),
        /** Bot API base URL; default https://api.telegram.org (a local receiver in tests). */
        apiUrl: httpUrl.optional(),
        ...common,
      })
      .strict(),
    z
      .object({
        type: z.literal('email'),
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535),
        secure: z.boolean().optional(),
        requireTls: z.boolean().optional(),
        user: z.string().optional(),
        password: secretRef.optional(),
        from: z.string().min(3),
        to: z.union([
          z
            .string()
            .min(3)
            .transform((s) => [s]),
          z.array(z.string().min(3)).min(1),
        ]),
        ...common,
      })
      .strict(),
  ],
  { error: () => 'type must be one of webhook, slack, discord, telegram, email' },
);

const positive = z.number().positive();
const window = z.object({ threshold: z.number().int().positive(), windowSeconds: positive }).strict();

/** The `alerts:` section of a bots.yaml (or an alerts.yaml), as validated. */
export const alertsConfigSchema = z
  .object({
    channels: z.array(channelSchema).default([]),
    /** The same alert (kind + message) within this time is counted, not sent again. Default 60. */
    dedupSeconds: positive.optional(),
    /** Extra tries per channel after a retryable failure. Default 4. */
    retries: z.number().int().min(0).max(10).optional(),
    /** First retry backoff, doubled per try. Default 1. */
    backoffSeconds: positive.optional(),
    /** Per-channel rate limit; the excess is summarised in one message. Default 10 per 60 s. */
    rateLimit: z.object({ max: z.number().int().positive(), perSeconds: positive }).strict().optional(),
    rules: z
      .object({
        errorRate: window.optional(),
        rateLimited: window.optional(),
        wsDownSeconds: positive.optional(),
        balanceGraceSeconds: positive.optional(),
        riskWarnPct: z.number().min(1).max(100).optional(),
        clockDriftMs: positive.optional(),
        keyMaxAgeDays: positive.optional(),
        crashLoop: z
          .object({ crashes: z.number().int().positive(), windowSeconds: positive })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
export type ChannelConfig = AlertsConfig['channels'][number];

/** One problem in an alerts config: the field and what to do. */
export interface AlertsConfigIssue {
  field: string;
  problem: string;
}

/** An alerts config that failed validation; names every bad field (never a value). */
export class AlertsConfigError extends ValidationError {
  readonly issues: AlertsConfigIssue[];
  constructor(issues: AlertsConfigIssue[]) {
    const first = issues[0] ?? { field: 'alerts', problem: 'invalid' };
    super(
      first.field,
      issues.map((i) => (i === first ? i.problem : `${i.field}: ${i.problem}`)).join('; '),
      'fix the fields named above in the alerts section',
    );
    this.issues = issues;
  }
}

function fieldOf(path: PropertyKey[], prefix: string): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : `${s}.${String(k)}`), prefix);
}

/** Validates the `alerts:` section (parsed YAML / JSON); `prefix` names it in errors. */
export function parseAlertsConfig(raw: unknown, prefix = 'alerts'): AlertsConfig {
  if (raw === undefined || raw === null) return alertsConfigSchema.parse({});
  const r = alertsConfigSchema.safeParse(raw);
  if (r.success) {
    const names = new Set<string>();
    r.data.channels.forEach((c, i) => {
      const n = c.name ?? c.type;
      if (names.has(n))
        throw new AlertsConfigError([
          {
            field: `${prefix}.channels[${i}].name`,
            problem: `"${n}" is used twice: give each channel its own name`,
          },
        ]);
      names.add(n);
    });
    return r.data;
  }
  const issues: AlertsConfigIssue[] = [];
  for (const i of r.error.issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys)
        issues.push({
          field: fieldOf([...i.path, k], prefix),
          problem: 'is not a known setting: remove it or check its spelling',
        });
      continue;
    }
    issues.push({ field: fieldOf(i.path, prefix), problem: i.message });
  }
  throw new AlertsConfigError(issues);
}

/** What alertsFromConfig needs from its caller. */
export interface AlertsDeps extends SecretResolverOptions {
  /** Resolves `{ env }` / `{ vault }` references; default secretResolver(these options). */
  resolveSecret?: SecretResolver;
  clock?: Clock;
  /** Where delivery outcomes and channel failures are logged (never a secret). */
  logger?: Logger;
  /** Extra sinks besides the configured channels (a ConsoleSink, the dashboard's feed...). */
  sinks?: AlertSink[];
}

const RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

/** A channel that only takes alerts at or above a severity. */
class SeverityFilter implements AlertSink {
  readonly name: string;
  constructor(
    readonly inner: ChannelSink,
    private readonly min: AlertSeverity,
  ) {
    this.name = inner.name;
  }
  send(a: Alert): Promise<void> | void {
    if (RANK[a.severity] < RANK[this.min]) return;
    return this.inner.send(a);
  }
}

/**
 * The alert hub built from a config: the configured channels (each with retries, backoff and its
 * rate limit) and the rules with the configured thresholds. It is an `Alerts`, so everything that
 * takes the hub takes it.
 */
export class ChannelAlerts extends Alerts {
  readonly channels: ChannelSink[];
  readonly rules: AlertRules;
  private readonly clockRef: Clock;

  constructor(opts: {
    channels: ChannelSink[];
    minSeverity: Map<string, AlertSeverity>;
    extraSinks: AlertSink[];
    clock: Clock;
    dedupWindowMs: number;
    thresholds: Partial<AlertRuleThresholds>;
    logger: Logger;
  }) {
    super({
      clock: opts.clock,
      dedupWindowMs: opts.dedupWindowMs,
      // The error-rate spike is the rules' (with the configured thresholds), not the hub's own.
      errorRate: { windowMs: 60_000, threshold: Number.POSITIVE_INFINITY },
      sinks: [
        ...opts.channels.map((c) => {
          const min = opts.minSeverity.get(c.name);
          return min && min !== 'info' ? new SeverityFilter(c, min) : c;
        }),
        ...opts.extraSinks,
      ],
      onSinkError: (sink, err) =>
        opts.logger.warn(
          { channel: sink, err: err instanceof Error ? err.message : 'failed' },
          'alert not delivered',
        ),
    });
    this.channels = opts.channels;
    this.clockRef = opts.clock;
    this.rules = new AlertRules({ alerts: this, clock: opts.clock, thresholds: opts.thresholds });
  }

  /** Auth failures alert at once (the hub); every error also feeds the error-rate and 50011 rules. */
  override observeError(err: unknown, context: { endpoint?: string } = {}): void {
    super.observeError(err, context);
    this.rules.observeRequestError(err, context);
  }

  /** Sends one test alert to every channel now (no rate limit, no de-duplication); the outcome of each. */
  async test(message = 'okxkit test alert: if you read this, the channel works'): Promise<DeliveryOutcome[]> {
    const alert: Alert = {
      kind: 'test',
      severity: 'info',
      message,
      details: {},
      ts: this.clockRef.now(),
      suppressed: 0,
    };
    return Promise.all(this.channels.map((c) => c.deliver(alert)));
  }

  /** Sends held summaries, stops the rules' timers and closes the channels (SMTP). */
  async close(): Promise<void> {
    this.rules.close();
    await Promise.all(this.channels.map((c) => c.close()));
  }
}

/**
 * Builds the alert hub from the `alerts:` section of a bots.yaml / alerts.yaml: validates it
 * (AlertsConfigError naming each bad field), resolves every channel secret from the environment
 * (`*_FILE` too) or the vault, and wires retries, backoff, rate limits and the rules.
 */
export async function alertsFromConfig(section: unknown, deps: AlertsDeps = {}): Promise<ChannelAlerts> {
  const cfg = parseAlertsConfig(section);
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const resolve = deps.resolveSecret ?? secretResolver(deps);
  const channels: ChannelSink[] = [];
  const minSeverity = new Map<string, AlertSeverity>();
  for (const [i, c] of cfg.channels.entries()) {
    const name = c.name ?? c.type;
    const at = (f: string) => `alerts.channels[${i}].${f}`;
    const secret = (ref: SecretRef, f: string) => resolve(ref, at(f));
    const channel = await buildChannel(c, name, secret, clock);
    minSeverity.set(name, c.minSeverity ?? 'info');
    channels.push(
      new ChannelSink(channel, {
        clock,
        ...(cfg.retries !== undefined ? { retries: cfg.retries } : {}),
        ...(cfg.backoffSeconds !== undefined ? { backoffMs: cfg.backoffSeconds * 1000 } : {}),
        ...(cfg.rateLimit
          ? { rateLimit: { max: cfg.rateLimit.max, perMs: cfg.rateLimit.perSeconds * 1000 } }
          : {}),
        onOutcome: (o) =>
          o.ok
            ? logger.info({ channel: o.channel, kind: o.kind, attempts: o.attempts }, 'alert delivered')
            : logger.warn(
                { channel: o.channel, kind: o.kind, attempts: o.attempts, err: o.error },
                'alert failed',
              ),
      }),
    );
  }
  const r = cfg.rules ?? {};
  const thresholds: Partial<AlertRuleThresholds> = {
    ...(r.errorRate
      ? { errorRate: { threshold: r.errorRate.threshold, windowMs: r.errorRate.windowSeconds * 1000 } }
      : {}),
    ...(r.rateLimited
      ? { rateLimited: { threshold: r.rateLimited.threshold, windowMs: r.rateLimited.windowSeconds * 1000 } }
      : {}),
    ...(r.wsDownSeconds !== undefined ? { wsDownMs: r.wsDownSeconds * 1000 } : {}),
    ...(r.balanceGraceSeconds !== undefined ? { balanceGraceMs: r.balanceGraceSeconds * 1000 } : {}),
    ...(r.riskWarnPct !== undefined ? { riskWarnRatio: r.riskWarnPct / 100 } : {}),
    ...(r.clockDriftMs !== undefined ? { clockDriftMs: r.clockDriftMs } : {}),
    ...(r.keyMaxAgeDays !== undefined ? { keyMaxAgeDays: r.keyMaxAgeDays } : {}),
    ...(r.crashLoop
      ? { crashLoop: { crashes: r.crashLoop.crashes, windowMs: r.crashLoop.windowSeconds * 1000 } }
      : {}),
  };
  return new ChannelAlerts({
    channels,
    minSeverity,
    extraSinks: deps.sinks ?? [],
    clock,
    dedupWindowMs: (cfg.dedupSeconds ?? 60) * 1000,
    thresholds,
    logger,
  });
}

async function buildChannel(
  c: ChannelConfig,
  name: string,
  secret: (ref: SecretRef, field: string) => Promise<string>,
  clock: Clock,
): Promise<AlertChannel> {
  switch (c.type) {
    case 'webhook':
      return new SignedWebhookChannel({
        name,
        url: c.url,
        secret: await secret(c.secret, 'secret'),
        now: () => clock.now(),
      });
    case 'slack':
      return new SlackChannel({ name, url: await secret(c.url, 'url') });
    case 'discord':
      return new DiscordChannel({ name, url: await secret(c.url, 'url') });
    case 'telegram':
      return new TelegramChannel({
        name,
        token: await secret(c.token, 'token'),
        chatId: c.chatId,
        ...(c.apiUrl ? { apiUrl: c.apiUrl } : {}),
      });
    case 'email':
      return new EmailChannel({
        name,
        host: c.host,
        port: c.port,
        ...(c.secure !== undefined ? { secure: c.secure } : {}),
        ...(c.requireTls !== undefined ? { requireTls: c.requireTls } : {}),
        ...(c.user !== undefined ? { user: c.user } : {}),
        ...(c.password ? { password: await secret(c.password, 'password') } : {}),
        from: c.from,
        to: c.to,
      });
  }
}

/**
 * Reads an alerts config file (YAML or JSON): its `alerts:` section when it has one (a bots.yaml),
 * else the whole document.
 */
export async function readAlertsConfigFile(path: string): Promise<unknown> {
  const { readFileSync } = await import('node:fs');
  const { parse } = await import('yaml');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(
      path,
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'check the path given with -c',
    );
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ValidationError(
      path,
      `is not valid YAML or JSON (${err instanceof Error ? err.message.split('\n')[0] : 'parse error'})`,
      'fix the syntax',
    );
  }
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && 'alerts' in doc) return doc.alerts;
  return doc;
}
