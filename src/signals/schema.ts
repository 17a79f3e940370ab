import { z } from 'zod';
import { ValidationError } from '../util/errors.js';

/**
 * The signal a webhook carries (docs/SIGNALS.md): who sent it, its id (the key of exactly-once),
 * what to do on which instrument, how much, and when it was made. Wire values are decimal strings
 * or plain numbers (TradingView's placeholders expand to bare numbers); both are kept as strings.
 */
export const SIGNAL_ACTIONS = ['open', 'add', 'reduce', 'close', 'reverse', 'flat-all'] as const;
export type SignalAction = (typeof SIGNAL_ACTIONS)[number];

/**
 * - `base`: base currency (spot) or contracts' worth of the base currency (swaps, rounded down to whole lots);
 * - `quote`: quote currency worth at the last price;
 * - `contracts`: contracts (swaps and futures);
 * - `pct_balance`: percent of the available balance of the currency the order spends;
 * - `pct_position`: percent of the current position (reduce, close).
 */
export const SIZE_UNITS = ['base', 'quote', 'contracts', 'pct_balance', 'pct_position'] as const;
export type SizeUnit = (typeof SIZE_UNITS)[number];

const DECIMAL = /^(?:\d+(?:\.\d+)?|\.\d+)$/;
const decimal = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === 'number' ? String(v) : v.trim()))
  .refine((v) => DECIMAL.test(v) && Number(v) > 0, 'must be a positive decimal number, e.g. "0.01"');

const INST_ID = /^[A-Z0-9]{1,12}(-[A-Z0-9]{1,12}){1,4}$/;

export const signalSchema = z
  .object({
    source: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, "_" or "-"'),
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.:+-]{1,64}$/, 'must be 1-64 letters, digits or "_.:+-" (unique per signal)'),
    instId: z
      .string()
      .transform((v) => v.trim().toUpperCase())
      .refine((v) => INST_ID.test(v), 'is not an OKX instrument id (e.g. BTC-USDT, BTC-USDT-SWAP)')
      .optional(),
    action: z
      .string()
      .transform((v) => v.trim().toLowerCase().replace(/_/g, '-'))
      .refine((v): v is SignalAction => (SIGNAL_ACTIONS as readonly string[]).includes(v), {
        message: `must be one of ${SIGNAL_ACTIONS.join(', ')}`,
      }),
    side: z
      .string()
      .transform((v) => v.trim().toLowerCase())
      .refine((v): v is 'buy' | 'sell' => v === 'buy' || v === 'sell', 'must be buy or sell')
      .optional(),
    size: decimal.optional(),
    sizeUnit: z.enum(SIZE_UNITS).default('base'),
    ordType: z.enum(['market', 'limit', 'ioc', 'fok', 'post_only']).default('market'),
    px: decimal.optional(),
    tdMode: z.enum(['cash', 'cross', 'isolated']).optional(),
    tp: decimal.optional(),
    sl: decimal.optional(),
    /** When the signal was made: ms since epoch, or ISO-8601 (TradingView's {{timenow}}); required from token sources (signed sources put it in the header). */
    ts: z
      .union([z.number(), z.string()])
      .transform((v, ctx) => {
        const ms = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
        if (!Number.isFinite(ms) || ms <= 0) {
          ctx.addIssue({ code: 'custom', message: 'is not a time (ms since epoch or ISO-8601)' });
          return z.NEVER;
        }
        return ms;
      })
      .optional(),
    /** Token sources that cannot put it in the URL: removed before the signal is stored. */
    token: z.string().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.instId && s.action !== 'flat-all')
      ctx.addIssue({ code: 'custom', path: ['instId'], message: 'is required' });
    if (s.action === 'reverse' && s.ordType !== 'market')
      ctx.addIssue({
        code: 'custom',
        path: ['ordType'],
        message: 'reverse trades at market (close, then open)',
      });
    const needsSide = s.action === 'open' || s.action === 'add' || s.action === 'reverse';
    if (needsSide && !s.side)
      ctx.addIssue({ code: 'custom', path: ['side'], message: `is required for ${s.action}` });
    const needsSize = needsSide || s.action === 'reduce';
    if (needsSize && !s.size)
      ctx.addIssue({ code: 'custom', path: ['size'], message: `is required for ${s.action}` });
    if (
      (s.action === 'open' || s.action === 'add' || s.action === 'reverse') &&
      s.sizeUnit === 'pct_position'
    )
      ctx.addIssue({
        code: 'custom',
        path: ['sizeUnit'],
        message: `pct_position sizes reduce and close only, not ${s.action}`,
      });
    if (s.ordType !== 'market' && !s.px)
      ctx.addIssue({ code: 'custom', path: ['px'], message: `is required for ${s.ordType} orders` });
    if (s.sizeUnit.startsWith('pct_') && s.size && Number(s.size) > 100)
      ctx.addIssue({ code: 'custom', path: ['size'], message: 'a percentage is at most 100' });
    if ((s.tp || s.sl) && !(s.action === 'open' || s.action === 'add' || s.action === 'reverse'))
      ctx.addIssue({
        code: 'custom',
        path: [s.tp ? 'tp' : 'sl'],
        message: `take-profit and stop-loss attach to open, add and reverse, not ${s.action}`,
      });
  });

export type Signal = z.output<typeof signalSchema>;

/** A signal that fails the schema: names the first field at fault and what is wrong with it. */
export class SignalSchemaError extends ValidationError {
  constructor(field: string, problem: string) {
    super(field, problem, 'see docs/SIGNALS.md for the signal schema');
    this.name = 'SignalSchemaError';
  }
}

/** Parses a signal (already JSON-decoded), or throws SignalSchemaError naming the field. */
export function parseSignal(raw: unknown): Signal {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new SignalSchemaError('body', 'must be a JSON object');
  const r = signalSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : 'body';
  let msg = issue.message;
  if (issue.code === 'unrecognized_keys') {
    return failUnknown(issue.keys);
  }
  if (issue.code === 'invalid_type' && (raw as Record<string, unknown>)[field] === undefined)
    msg = 'is required';
  throw new SignalSchemaError(field, msg);
}

function failUnknown(keys: string[]): never {
  throw new SignalSchemaError(keys[0]!, 'is not a field of a signal');
}
