import { z } from 'zod';
import { ValidationError } from '../util/errors.js';
import { BOT_ID_PATTERN } from './cl-ord-id.js';
import { TAG_PATTERN } from '../protocol/cl-ord-id.js';
import { DEFAULT_BAND_PCT } from '../trading/order-guard.js';
import type { BotKind } from './types.js';
import { dec } from './money.js';

/** One problem in a bot config: the field, what is wrong, and what to do. */
export interface ConfigIssue {
  field: string;
  problem: string;
}

/** A bot config that failed validation; lists every problem, each naming its field. */
export class BotConfigError extends ValidationError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    const first = issues[0] ?? { field: 'config', problem: 'invalid' };
    super(
      first.field,
      issues.map((i) => (i === first ? i.problem : `${i.field}: ${i.problem}`)).join('; '),
      'fix the fields named above in the bot config',
    );
    this.issues = issues;
  }
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** A decimal amount, written as a JSON string ("0.001") or a plain number; kept as a string. */
function amount(example: string, opts: { allowZero?: boolean } = {}) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const s = typeof v === 'number' ? String(v) : v.trim();
    if (!DECIMAL.test(s)) {
      ctx.addIssue({
        code: 'custom',
        message: s.startsWith('-')
          ? `must not be negative (got ${s}): use a positive amount like "${example}"`
          : `must be a decimal number like "${example}" (got ${JSON.stringify(v)})`,
      });
      return z.NEVER;
    }
    if (!opts.allowZero && /^0+(\.0+)?$/.test(s)) {
      ctx.addIssue({ code: 'custom', message: `must be greater than 0: use an amount like "${example}"` });
      return z.NEVER;
    }
    return s;
  });
}

const RELATIVE = /^[+-]\d+(\.\d+)?%$/;

/**
 * A price: an amount ("95000"), or relative to the market at the bot's first start ("-5%",
 * "+5%"), resolved against the last price then (see resolvePrice).
 */
function price(example: string) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const s = typeof v === 'number' ? String(v) : v.trim();
    if (RELATIVE.test(s)) {
      if (s.startsWith('-') && Number(s.slice(1, -1)) >= 100) {
        ctx.addIssue({
          code: 'custom',
          message: `${s} would be a price of 0 or less: use a fall below 100%`,
        });
        return z.NEVER;
      }
      return s;
    }
    if (!DECIMAL.test(s) || /^0+(\.0+)?$/.test(s)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a price like "${example}", or relative to the market price at the start like "-5%" or "+5%" (got ${JSON.stringify(v)})`,
      });
      return z.NEVER;
    }
    return s;
  });
}

/** True for a price written relative to the market ("-5%"). */
export function isRelativePrice(v: string): boolean {
  return RELATIVE.test(v);
}

/** A config price as a number: relative ones ("-5%") against `last`, exact. */
export function resolvePrice(v: string, last: string): string {
  if (!RELATIVE.test(v)) return v;
  return dec(last)
    .mul(dec(100).plus(dec(v.slice(0, -1))))
    .div(100)
    .toFixed();
}

function percent(example: string) {
  return amount(example).refine((s) => Number(s) < 100, {
    message: `must be a percentage below 100, like "${example}"`,
  });
}

const botId = z
  .string()
  .regex(BOT_ID_PATTERN, {
    message: 'must be 1 to 24 letters and digits (it prefixes the bot\'s clOrdIds): e.g. "grid1"',
  })
  .optional();
/**
 * Circuit breakers armed around the bot (the risk manager, outside the strategy). The amounts
 * (maxDailyLoss, maxDrawdown, startingEquity) are in `ccy`, the reporting currency (default USDT).
 */
const risk = z
  .strictObject({
    ccy: z
      .string()
      .regex(/^[A-Z0-9]{1,15}$/, { message: 'must be a currency code in capitals, like "USDT"' })
      .optional(),
    maxDailyLoss: amount('200').optional(),
    maxDrawdown: amount('500').optional(),
    maxDrawdownPct: percent('10').optional(),
    startingEquity: amount('10000').optional(),
    maxOpenOrders: z
      .number()
      .int({ message: 'must be a whole number' })
      .min(1, { message: 'must be at least 1' })
      .optional(),
    maxPosition: amount('0.5').optional(),
    // Derivatives: limits on each open position, and what a trip does to positions.
    maxLeverage: amount('10').optional(),
    minMarginRatio: amount('3').optional(),
    minLiqDistancePct: percent('5').optional(),
    onTrip: z
      .enum(['cancel-only', 'reduce', 'close-all'], {
        message: 'must be "cancel-only", "reduce" or "close-all"',
      })
      .optional(),
    reduceFraction: amount('0.5')
      .refine((s) => Number(s) > 0 && Number(s) <= 1, {
        message: 'must be above 0 and at most 1, like "0.5"',
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    if (r.maxDrawdownPct !== undefined && r.startingEquity === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxDrawdownPct'],
        message: `needs risk.startingEquity (the equity in ${r.ccy ?? 'USDT'} when the bot starts) as the base of the percentage: add it, or use maxDrawdown (an amount)`,
      });
    }
  })
  .optional();
/** cancel-all-after timeout in seconds (docs/OKX-PROTOCOL.md §7.4: 10 to 120), or 0 to leave it off. */
const deadManSec = z
  .number({ message: 'must be a number of seconds' })
  .int({ message: 'must be a whole number of seconds' })
  .refine((n) => n === 0 || (n >= 10 && n <= 120), {
    message: 'must be 10 to 120 seconds (OKX cancel-all-after), or 0 for off',
  })
  .default(60);
/**
 * The bot's order tag: on every order it places, and the tag its dead-man's switch covers
 * (docs/OKX-PROTOCOL.md §7.4). Default: derived from the bot id (botOrderTag). Bots on one key
 * need different tags.
 */
const orderTag = z
  .string()
  .regex(TAG_PATTERN, { message: 'must be 1 to 16 letters and digits (an OKX order tag): e.g. "grid1"' })
  .optional();
/** The order guard refuses a buy priced more than its band above the ask. */
export const MAX_BUY_SLIPPAGE_PCT = Number(DEFAULT_BAND_PCT);
/** How far above the ask the grid's start-up purchase may pay, unless buySlippagePct says otherwise. */
export const DEFAULT_BUY_SLIPPAGE_PCT = '0.5';

const instId = z.string().regex(/^[A-Z0-9]+-[A-Z0-9]+(?:-SWAP|-\d{6})?$/, {
  message: 'must be an instrument id like "BTC-USDT" (spot) or "BTC-USDT-SWAP" (perpetual swap)',
});
/** Contracts only: the grid's bias and margin mode, the trailing stop's position side. */
const direction = z
  .enum(['long', 'short', 'neutral'], { message: 'must be "long", "short" or "neutral"' })
  .optional();
const tdMode = z.enum(['cross', 'isolated'], { message: 'must be "cross" or "isolated"' }).optional();

export const gridConfigSchema = z
  .strictObject({
    kind: z.literal('grid').optional(),
    id: botId,
    instId,
    risk,
    deadManSec,
    tag: orderTag,
    lower: price('95000'),
    upper: price('105000'),
    levels: z
      .number({ message: 'must be a whole number of price levels, like 11' })
      .int({ message: 'must be a whole number of price levels, like 11' })
      .min(2, { message: 'must be at least 2: a grid needs 2 or more price levels' })
      .max(200, { message: 'must be at most 200 price levels' }),
    mode: z
      .enum(['arithmetic', 'geometric'], {
        message: 'must be "arithmetic" (equal price steps) or "geometric" (equal ratios)',
      })
      .default('arithmetic'),
    sizePerLevel: amount('0.001').optional(),
    investment: amount('1000').optional(),
    // Optional without a default, so states saved before these settings existed still resume.
    buyMissingBase: z.boolean({ message: 'must be true or false' }).optional(),
    direction,
    tdMode,
    buySlippagePct: percent('0.5')
      .refine((s) => Number(s) < MAX_BUY_SLIPPAGE_PCT, {
        message: `must be below ${MAX_BUY_SLIPPAGE_PCT}, the order guard's price band around the market`,
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.buySlippagePct !== undefined && c.buyMissingBase !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['buySlippagePct'],
        message: 'only applies with "buyMissingBase": true: set that too, or remove buySlippagePct',
      });
    }
    const rel = (v: string) => (RELATIVE.test(v) ? Number(v.slice(0, -1)) : undefined);
    const bothRelative = rel(c.lower) !== undefined && rel(c.upper) !== undefined;
    const bothAbsolute = rel(c.lower) === undefined && rel(c.upper) === undefined;
    if (
      c.lower &&
      c.upper &&
      ((bothAbsolute && Number(c.lower) >= Number(c.upper)) ||
        (bothRelative && rel(c.lower)! >= rel(c.upper)!))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['lower'],
        message: `must be below upper (lower ${c.lower} >= upper ${c.upper}): swap them or widen the range`,
      });
    }
    if ((c.sizePerLevel === undefined) === (c.investment === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['sizePerLevel'],
        message:
          'set exactly one of sizePerLevel (base size of each order) or investment (total quote split across the levels)',
      });
    }
  });

export const dcaConfigSchema = z.strictObject({
  kind: z.literal('dca').optional(),
  id: botId,
  instId,
  risk,
  deadManSec,
  tag: orderTag,
  quoteAmount: amount('50'),
  intervalSec: z
    .number({ message: 'must be a number of seconds, like 3600' })
    .int({ message: 'must be a whole number of seconds' })
    .min(1, { message: 'must be at least 1 second' }),
  orderType: z
    .enum(['market', 'limit'], { message: 'must be "market" or "limit" (a limit at the ask)' })
    .default('market'),
  safetyOrders: z
    .strictObject({
      count: z
        .number()
        .int({ message: 'must be a whole number' })
        .min(0, { message: 'must be 0 or more' })
        .max(50, { message: 'must be at most 50' }),
      dropPct: percent('2'),
      sizeMultiplier: amount('1.5').default('1'),
    })
    .optional(),
  takeProfitPct: amount('3'),
  maxCycles: z.number().int().min(1, { message: 'must be at least 1, or left out for no limit' }).optional(),
});

export const trailingConfigSchema = z.strictObject({
  kind: z.literal('trailing').optional(),
  id: botId,
  instId,
  risk,
  deadManSec,
  tag: orderTag,
  size: amount('0.01'),
  trailPct: percent('3'),
  activationPx: price('100000').optional(),
  orderType: z
    .enum(['market', 'limit'], { message: 'must be "market" or "limit" (an aggressive limit below the bid)' })
    .default('market'),
  limitSlippagePct: percent('0.5').default('0.5'),
  /** "short": guards a short position of `size` contracts (buys it back when the price rises trailPct above its low). */
  position: z.enum(['long', 'short'], { message: 'must be "long" or "short"' }).optional(),
  tdMode,
});

/** What every signal strategy (ema-cross, bollinger, momentum, yours) is configured with. */
const signalBase = {
  id: botId,
  instId,
  risk,
  deadManSec,
  tag: orderTag,
  barSec: z
    .number({ message: 'must be a number of seconds, like 3600 (hourly closes)' })
    .int({ message: 'must be a whole number of seconds' })
    .min(1, { message: 'must be at least 1 second' })
    .default(3600),
  quoteAmount: amount('100'),
};

const period = (example: number) =>
  z
    .number({ message: `must be a whole number of bars, like ${example}` })
    .int({ message: `must be a whole number of bars, like ${example}` })
    .min(1, { message: 'must be at least 1' })
    .max(1000, { message: 'must be at most 1000' });

export const emaCrossConfigSchema = z
  .strictObject({
    kind: z.literal('ema-cross').optional(),
    ...signalBase,
    fast: period(12).default(12),
    slow: period(26).default(26),
  })
  .refine((c) => c.fast < c.slow, {
    path: ['fast'],
    message: 'must be below slow (the fast EMA reacts sooner): e.g. fast 12, slow 26',
  });

export const bollingerConfigSchema = z.strictObject({
  kind: z.literal('bollinger').optional(),
  ...signalBase,
  period: period(20).min(2, { message: 'must be at least 2 bars' }).default(20),
  k: z
    .number({ message: 'must be a number of standard deviations, like 2' })
    .positive({ message: 'must be above 0' })
    .default(2),
});

export const momentumConfigSchema = z.strictObject({
  kind: z.literal('momentum').optional(),
  ...signalBase,
  period: period(24).default(24),
  thresholdPct: z
    .number({ message: 'must be a percentage, like 1' })
    .min(0, { message: 'must be 0 or more' })
    .default(1),
});

/** A grid bot's settings, as parseBotConfig returns them. */
export type GridConfig = Omit<z.output<typeof gridConfigSchema>, 'kind' | 'id'> & {
  kind: 'grid';
  id: string;
};
/** A DCA bot's settings, as parseBotConfig returns them. */
export type DcaConfig = Omit<z.output<typeof dcaConfigSchema>, 'kind' | 'id'> & { kind: 'dca'; id: string };
/** A trailing-stop bot's settings, as parseBotConfig returns them. */
export type TrailingConfig = Omit<z.output<typeof trailingConfigSchema>, 'kind' | 'id'> & {
  kind: 'trailing';
  id: string;
};
/** An EMA-cross signal bot's settings, as parseBotConfig returns them. */
export type EmaCrossConfig = Omit<z.output<typeof emaCrossConfigSchema>, 'kind' | 'id'> & {
  kind: 'ema-cross';
  id: string;
};
/** A Bollinger-band signal bot's settings, as parseBotConfig returns them. */
export type BollingerConfig = Omit<z.output<typeof bollingerConfigSchema>, 'kind' | 'id'> & {
  kind: 'bollinger';
  id: string;
};
/** A momentum signal bot's settings, as parseBotConfig returns them. */
export type MomentumConfig = Omit<z.output<typeof momentumConfigSchema>, 'kind' | 'id'> & {
  kind: 'momentum';
  id: string;
};
/** The settings every signal strategy has (bar, amount per entry). */
export type SignalConfig = EmaCrossConfig | BollingerConfig | MomentumConfig;
/** Any bot's settings: the union parseBotConfig returns, told apart by `kind`. */
export type BotConfig = GridConfig | DcaConfig | TrailingConfig | SignalConfig;

const SCHEMAS = {
  grid: gridConfigSchema,
  dca: dcaConfigSchema,
  trailing: trailingConfigSchema,
  'ema-cross': emaCrossConfigSchema,
  bollinger: bollingerConfigSchema,
  momentum: momentumConfigSchema,
} as const;

/** Every bot kind, bundled strategies first. */
export const BOT_KINDS: readonly BotKind[] = [
  'grid',
  'dca',
  'trailing',
  'ema-cross',
  'bollinger',
  'momentum',
];

/** The settings that define what a bot trades (a saved state only resumes under the same ones). */
export function strategySettings(c: BotConfig): Record<string, unknown> {
  // The start-up purchase settings act once, before the ladder exists: a resumed grid ignores them.
  const {
    risk: _r,
    deadManSec: _d,
    tag: _t,
    buyMissingBase: _b,
    buySlippagePct: _s,
    ...rest
  } = c as BotConfig & {
    risk?: unknown;
    deadManSec?: unknown;
    tag?: unknown;
    buyMissingBase?: unknown;
    buySlippagePct?: unknown;
  };
  return rest;
}

export function isBotKind(k: string): k is BotKind {
  return (BOT_KINDS as readonly string[]).includes(k);
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let v = raw;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function issuesOf(err: z.ZodError, raw: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const i of err.issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys)
        out.push({
          field: [...i.path, k].join('.'),
          problem: 'is not a known setting: remove it or check its spelling',
        });
      continue;
    }
    const field = i.path.length ? i.path.join('.') : 'config';
    const missing = i.path.length > 0 && valueAt(raw, i.path) === undefined;
    const problem = missing ? 'is required' : i.message;
    out.push({ field, problem });
  }
  return out;
}

/** Validates a bot config (parsed JSON) for a kind; throws BotConfigError naming every bad field. */
export function parseBotConfig(kind: 'grid', raw: unknown): GridConfig;
export function parseBotConfig(kind: 'dca', raw: unknown): DcaConfig;
export function parseBotConfig(kind: 'trailing', raw: unknown): TrailingConfig;
export function parseBotConfig(kind: BotKind, raw: unknown): BotConfig;
export function parseBotConfig(kind: BotKind, raw: unknown): BotConfig {
  if (!isBotKind(kind))
    throw new ValidationError(
      'kind',
      `unknown bot kind "${String(kind)}"`,
      `use one of ${BOT_KINDS.join(', ')}`,
    );
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BotConfigError([{ field: 'config', problem: 'must be a JSON object' }]);
  }
  const declared = (raw as { kind?: unknown }).kind;
  if (declared !== undefined && declared !== kind) {
    throw new BotConfigError([
      {
        field: 'kind',
        problem: `the config is for "${String(declared)}" but a ${kind} bot was asked for: run \`okxkit bot run ${String(declared)}\` or fix "kind"`,
      },
    ]);
  }
  const r = SCHEMAS[kind].safeParse(raw);
  if (!r.success) throw new BotConfigError(issuesOf(r.error, raw));
  const cfg = r.data as BotConfig;
  // The default id is derived from the user's own settings, never a prefix of ours.
  return {
    ...cfg,
    kind,
    id: cfg.id ?? `${kind.replace(/-/g, '')}${cfg.instId.replace(/-/g, '')}`,
  } as BotConfig;
}
