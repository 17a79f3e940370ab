import { alertsFromConfig, type AlertsDeps } from './alerts/config.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BOT_KINDS, isBotKind, parseBotConfig, BotConfigError, type ConfigIssue } from '../bots/config.js';
import type { BotConfig } from '../bots/config.js';
import { Alerts, WebhookSink, type AlertSink } from '../trading/alerts.js';
import { ValidationError } from '../util/errors.js';
import { MAX_TAG_SWITCHES } from '../trading/dead-mans-switch.js';
import { tagOfBot } from '../bots/cl-ord-id.js';

/** A supervisor config (`okxkit up -c bots.yaml`) that failed validation: every bad field, each with its fix. */
export class OpsConfigError extends BotConfigError {
  constructor(issues: ConfigIssue[], file: string) {
    super(issues.map((i) => ({ field: `${file}: ${i.field}`, problem: i.problem })));
  }
}

const botEntry = z.strictObject({
  kind: z.string(),
  /** Cancel the bot's open orders when it stops (else they stay on the book and are adopted on the next start). */
  cancelOnExit: z.boolean().default(false),
  /** The bot's own settings, as for `okxkit bot run <kind> --config` (its id must be unique here). */
  config: z.record(z.string(), z.unknown()),
});

const schema = z.strictObject({
  /**
   * Where the bots trade: `sim` starts the local exchange inside the supervisor; `baseUrl` (with
   * the key from `profile` or the OKX_* environment) for OKX, demo or a local exchange of your own.
   */
  exchange: z
    .strictObject({
      sim: z.strictObject({ seed: z.number().int().min(1).default(7) }).optional(),
      baseUrl: z.url().optional(),
      profile: z.string().min(1).optional(),
      demo: z.boolean().optional(),
    })
    .default({ sim: { seed: 7 } }),
  /** The HTTP server: /metrics and the dashboard. Loopback unless a token protects it. */
  listen: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(9464),
    })
    .default({ host: '127.0.0.1', port: 9464 }),
  /** Restarts of a crashed bot: exponential backoff, and a budget per window before it is left stopped. */
  restart: z
    .strictObject({
      initialDelayMs: z.number().int().min(1).default(1000),
      maxDelayMs: z.number().int().min(1).default(60_000),
      maxRestarts: z.number().int().min(0).default(5),
      windowSec: z.number().int().min(1).default(600),
    })
    .default({ initialDelayMs: 1000, maxDelayMs: 60_000, maxRestarts: 5, windowSec: 600 }),
  /** Bot state and journals (default $OKXKIT_HOME/bots; a fresh folder per run on the embedded local exchange). */
  stateDir: z.string().min(1).optional(),
  /**
   * Alerts: the channel config of src/ops/alerts/config.ts (`channels:`, `rules:`, ...), or the short
   * form `webhook: { url }` for one unsigned webhook (see alertsFromOpsConfig).
   */
  alerts: z.unknown().optional(),
  bots: z
    .array(botEntry)
    .min(1, 'needs at least one bot: add an entry like { kind: grid, config: { id: grid1, ... } }'),
});

export interface OpsBotSpec {
  id: string;
  kind: BotConfig['kind'];
  cancelOnExit: boolean;
  config: BotConfig;
}

export interface OpsConfig {
  exchange: { sim?: { seed: number }; baseUrl?: string; profile?: string; demo?: boolean };
  listen: { host: string; port: number };
  restart: { initialDelayMs: number; maxDelayMs: number; maxRestarts: number; windowSec: number };
  stateDir?: string;
  alerts?: unknown;
  bots: OpsBotSpec[];
}

function fieldOf(path: readonly PropertyKey[]): string {
  return (
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') ||
    'config'
  );
}

/**
 * Each bot's orders carry its tag and its dead-man's switch covers that tag alone
 * (docs/OKX-PROTOCOL.md §7.4): two bots with one tag would keep each other's timer alive, and OKX
 * keeps at most MAX_TAG_SWITCHES tag timers per account.
 */
function switchIssues(bots: OpsBotSpec[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const tags = new Map<string, string>();
  let armed = 0;
  bots.forEach((b, i) => {
    const tag = tagOfBot(b.config);
    const owner = tags.get(tag);
    if (owner !== undefined && owner !== b.id)
      issues.push({
        field: `bots[${i}].config.tag`,
        problem: `order tag "${tag}" is also bot "${owner}"'s: give each bot its own tag (1-16 letters and digits)`,
      });
    tags.set(tag, b.id);
    if (b.config.deadManSec) armed++;
  });
  if (armed > MAX_TAG_SWITCHES)
    issues.push({
      field: 'bots',
      problem: `${armed} bots keep a dead-man's switch, but OKX allows ${MAX_TAG_SWITCHES} tag-level timers per account (51071): run at most ${MAX_TAG_SWITCHES} here, or set deadManSec: 0 on the rest`,
    });
  return issues;
}

/** Parses the text of a supervisor config (YAML or JSON; JSON is YAML) and validates every bot in it. */
export function parseOpsConfig(text: string, file = 'bots.yaml'): OpsConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ValidationError(
      file,
      `is not valid YAML or JSON (${(err as Error).message.split('\n')[0]})`,
      'fix the syntax',
    );
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issues: ConfigIssue[] = r.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({
            field: fieldOf([...i.path, k]),
            problem: 'is not a known setting: remove it or check its spelling',
          }))
        : [{ field: fieldOf(i.path), problem: i.message }],
    );
    throw new OpsConfigError(issues, file);
  }
  const c = r.data;
  if (c.exchange.sim && (c.exchange.baseUrl || c.exchange.profile))
    throw new OpsConfigError(
      [{ field: 'exchange', problem: 'sim cannot be combined with baseUrl or profile: keep one of them' }],
      file,
    );
  const issues: ConfigIssue[] = [];
  const bots: OpsBotSpec[] = [];
  const seen = new Set<string>();
  c.bots.forEach((b, i) => {
    if (!isBotKind(b.kind)) {
      issues.push({
        field: `bots[${i}].kind`,
        problem: `"${b.kind}" is not a bot kind: use one of ${BOT_KINDS.join(', ')}`,
      });
      return;
    }
    try {
      const config = parseBotConfig(b.kind, b.config);
      if (seen.has(config.id))
        issues.push({
          field: `bots[${i}].config.id`,
          problem: `"${config.id}" is used by another bot: each bot needs its own id (its state and clOrdId prefix)`,
        });
      seen.add(config.id);
      bots.push({ id: config.id, kind: b.kind, cancelOnExit: b.cancelOnExit, config });
    } catch (err) {
      if (err instanceof BotConfigError)
        for (const x of err.issues)
          issues.push({ field: `bots[${i}].config.${x.field}`, problem: x.problem });
      else throw err;
    }
  });
  // With every bot parsed, bots[i] is the config's bots[i].
  if (!issues.length) issues.push(...switchIssues(bots));
  if (issues.length) throw new OpsConfigError(issues, file);
  return {
    exchange: c.exchange,
    listen: c.listen,
    restart: c.restart,
    ...(c.stateDir ? { stateDir: c.stateDir } : {}),
    ...(c.alerts !== undefined ? { alerts: c.alerts } : {}),
    bots,
  };
}

/** Reads and validates a supervisor config file. */
export function loadOpsConfig(path: string): OpsConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(
      '--config',
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'give the path of a bots.yaml (or .json) supervisor config',
    );
  }
  return parseOpsConfig(text, path);
}

const alertsSchema = z.looseObject({
  webhook: z.strictObject({ url: z.string().min(1) }).optional(),
});

/**
 * The sinks of the short form of the config's `alerts:` key, `webhook: { url }` (one unsigned
 * webhook); the full channel config goes through alertsFromConfig instead (alertsFromOpsConfig).
 */
export function alertSinksFromConfig(alerts: unknown): AlertSink[] {
  if (alerts === undefined || alerts === null) return [];
  const r = alertsSchema.safeParse(alerts);
  if (!r.success)
    throw new ValidationError(
      `alerts.${fieldOf(r.error.issues[0]?.path ?? [])}`,
      r.error.issues[0]?.message ?? 'invalid',
      'e.g. alerts: { webhook: { url: "http://127.0.0.1:9000/hook" } }, or alerts: { channels: [...] }',
    );
  return r.data.webhook ? [new WebhookSink({ url: r.data.webhook.url })] : [];
}

/** Whether the `alerts:` section uses the channel config (signed webhooks, Slack, Telegram, e-mail, rules). */
function hasChannels(alerts: unknown): boolean {
  return typeof alerts === 'object' && alerts !== null && 'channels' in alerts;
}

/**
 * The alert hub of a config: with `alerts.channels` the channel hub (retries, rate limits, rules,
 * secrets from the vault or `*_FILE`; close() it on stop so held summaries go out), otherwise a
 * hub with the short form's webhook.
 */
export async function alertsFromOpsConfig(
  cfg: OpsConfig,
  extra: AlertSink[] = [],
  deps: AlertsDeps = {},
): Promise<Alerts & { close?: () => Promise<void> }> {
  if (hasChannels(cfg.alerts))
    return alertsFromConfig(cfg.alerts, { ...deps, sinks: [...(deps.sinks ?? []), ...extra] });
  return new Alerts({ sinks: [...alertSinksFromConfig(cfg.alerts), ...extra] });
}
