import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ValidationError, errorCode } from '../util/errors.js';
import type { SimKey } from './contracts.js';
import { FAULT_KINDS, type FaultSettings } from './faults.js';

/**
 * Keys and accounts of the local exchange, as the JSON config file states them:
 * {"keys":[{"apiKey","secretKey","passphrase","perm":"read_only,trade","ip":"127.0.0.1","label","demo":false,"account":"main"}],
 *  "accounts":{"main":{"balances":{"USDT":"10000","BTC":"1"}}}}
 * Money is decimal strings. `funding` holds the funding-account (asset/*) balances.
 */
export interface SimAccountConfig {
  balances: Record<string, string>;
  funding?: Record<string, string>;
  /** OKX account mode: 1 spot, 2 spot and futures (single-currency margin, the default), 3 multi-currency margin, 4 portfolio margin. */
  acctLv?: '1' | '2' | '3' | '4';
  /** Position mode of contracts; default net_mode. */
  posMode?: 'net_mode' | 'long_short_mode';
  /** Spot mode (acctLv 1) with borrowing enabled: account/spot-manual-borrow-repay works; default false. */
  enableSpotBorrow?: boolean;
}

/** A currency's spot margin loan terms: interest per hour (a rate, e.g. "0.00000417") and the most one account may owe. */
export interface SimLoanTerms {
  hourlyRate: string;
  quota: string;
}

/**
 * The seeded market's starting point, for planting a price difference: two local exchanges with
 * different `prices` disagree on an instrument (cross-venue arbitrage), and a cross pair with an
 * offset sits away from the price its two legs imply (a triangular one).
 */
export interface SimMarketConfig {
  /** Exact starting price per instrument (no seeded jitter), e.g. {"BTC-USDT": "61000"}. */
  prices?: Record<string, string>;
  /** A cross pair (e.g. ETH-BTC) held this many basis points above (+) or below (-) its legs' implied price. */
  crossOffsetBps?: Record<string, number>;
}

/** The local exchange's config file: API keys, accounts with their starting balances, faults to inject and the market's starting point. */
export interface SimConfig {
  keys?: SimKey[];
  accounts?: Record<string, SimAccountConfig>;
  faults?: Partial<FaultSettings>;
  market?: SimMarketConfig;
  /**
   * Currencies that can be borrowed, each with its interest per hour (a rate, e.g. "0.0000057")
   * and the most one account may owe; default: BTC, ETH, SOL, USDC and USDT (docs/SIMULATOR.md).
   */
  loans?: Record<string, { hourlyRate: string; quota: string }>;
}

export interface ResolvedSimConfig {
  keys: SimKey[];
  accounts: Record<string, SimAccountConfig>;
  faults: Partial<FaultSettings>;
  market: SimMarketConfig;
  loans: Record<string, SimLoanTerms>;
}

const PERMS = ['read_only', 'trade', 'withdraw'] as const;
const DECIMAL = /^\d+(\.\d+)?$/;
const CCY = /^[A-Z0-9]{1,12}$/;

const decimalString = z
  .string()
  .regex(DECIMAL, 'must be a non-negative decimal string such as "1000" or "0.5"');
const balances = z.record(
  z.string().regex(CCY, 'currency codes are upper-case letters/digits, e.g. "USDT"'),
  decimalString,
);

const keySchema = z.strictObject({
  apiKey: z.string().min(1, 'must not be empty'),
  secretKey: z.string().min(1, 'must not be empty'),
  passphrase: z.string().min(1, 'must not be empty'),
  perm: z
    .string()
    .refine(
      (p) => p.split(',').every((x) => (PERMS as readonly string[]).includes(x)),
      'must be a comma-separated list of read_only, trade, withdraw (e.g. "read_only,trade")',
    ),
  ip: z
    .string()
    .refine(
      (s) => s === '' || s.split(',').every((x) => x.trim().length > 0),
      'must be "" (no IP binding) or comma-separated IPs',
    )
    .default(''),
  label: z.string().min(1, 'must not be empty'),
  demo: z.boolean().default(false),
  account: z.string().min(1, 'must not be empty'),
});

const faultSchema = z
  .strictObject({
    latencyMs: z.number().min(0),
    errorRate: z.number().min(0).max(1),
    errorKind: z.enum(FAULT_KINDS),
    rateLimitRate: z.number().min(0).max(1),
    acceptThenTimeoutRate: z.number().min(0).max(1),
    clockSkewMs: z.number(),
    dropWsEveryMs: z.number().min(0),
    wsUpgradeEveryMs: z.number().min(0),
    noFillInstIds: z.array(z.string().min(1)),
  })
  .partial();

const configSchema = z.strictObject({
  keys: z.array(keySchema).optional(),
  accounts: z
    .record(
      z.string().min(1),
      z.strictObject({
        balances,
        funding: balances.optional(),
        acctLv: z.enum(['1', '2', '3', '4']).optional(),
        posMode: z.enum(['net_mode', 'long_short_mode']).optional(),
        enableSpotBorrow: z.boolean().optional(),
      }),
    )
    .optional(),
  faults: faultSchema.optional(),
  market: z
    .strictObject({
      prices: z.record(z.string().min(1), decimalString).optional(),
      crossOffsetBps: z.record(z.string().min(1), z.number().min(-5000).max(5000)).optional(),
    })
    .optional(),
  loans: z
    .record(
      z.string().regex(CCY, 'currency codes are upper-case letters/digits, e.g. "USDT"'),
      z.strictObject({ hourlyRate: decimalString, quota: decimalString }),
    )
    .optional(),
});

/**
 * Loan terms of the local exchange: hourly rates of the order OKX charges (about 1 % to 5 % a
 * year) and per-account quotas. Static: the rate of a currency never moves.
 */
export const DEFAULT_LOANS: Readonly<Record<string, SimLoanTerms>> = {
  BTC: { hourlyRate: '0.0000012', quota: '20' },
  ETH: { hourlyRate: '0.0000015', quota: '300' },
  SOL: { hourlyRate: '0.0000040', quota: '10000' },
  USDC: { hourlyRate: '0.0000050', quota: '1000000' },
  USDT: { hourlyRate: '0.0000057', quota: '1000000' },
};

/** Default keys: obviously fake, local-only (docs/SIMULATOR.md lists them). */
export const DEFAULT_KEYS: readonly SimKey[] = [
  {
    label: 'trade',
    apiKey: 'sim-trade-0000-fake',
    secretKey: 'SIMFAKESECRET0TRADE0000000000000',
    passphrase: 'Sim Pass 1!',
    perm: 'read_only,trade',
    ip: '127.0.0.1',
    demo: false,
    account: 'main',
  },
  {
    label: 'read-only',
    apiKey: 'sim-read-only-0000-fake',
    secretKey: 'SIMFAKESECRET0READONLY0000000000',
    passphrase: 'Sim Pass 1!',
    perm: 'read_only',
    ip: '',
    demo: false,
    account: 'main',
  },
  {
    label: 'withdraw',
    apiKey: 'sim-withdraw-0000-fake',
    secretKey: 'SIMFAKESECRET0WITHDRAW0000000000',
    passphrase: 'Sim Pass 1!',
    perm: 'read_only,trade,withdraw',
    ip: '127.0.0.1',
    demo: false,
    account: 'main',
  },
  {
    label: 'trade-no-ip',
    apiKey: 'sim-trade-no-ip-0000-fake',
    secretKey: 'SIMFAKESECRET0TRADENOIP000000000',
    passphrase: 'Sim Pass 1!',
    perm: 'read_only,trade',
    ip: '',
    demo: false,
    account: 'main',
  },
];

export const DEFAULT_ACCOUNTS: Readonly<Record<string, SimAccountConfig>> = {
  main: {
    balances: { USDT: '100000', BTC: '2', ETH: '20', SOL: '500', OKB: '1000' },
    funding: { USDT: '1000' },
  },
};

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
}

/** Validates a parsed config; throws a ValidationError naming the first bad field. */
export function parseSimConfig(input: unknown, source = 'sim config'): ResolvedSimConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = fieldPath(issue.path) || '(root)';
    throw new ValidationError(
      `${source}: ${field}`,
      issue.message,
      'see docs/SIMULATOR.md for the config shape',
    );
  }
  const cfg = parsed.data;
  const accounts = cfg.accounts ?? (cfg.keys ? {} : { ...DEFAULT_ACCOUNTS });
  const keys: SimKey[] = cfg.keys ?? DEFAULT_KEYS.map((k) => ({ ...k }));
  const seenKeys = new Set<string>();
  const seenLabels = new Set<string>();
  keys.forEach((k, i) => {
    if (seenKeys.has(k.apiKey))
      throw new ValidationError(
        `${source}: keys[${i}].apiKey`,
        'is used by two keys',
        'give each key its own apiKey',
      );
    if (seenLabels.has(k.label))
      throw new ValidationError(
        `${source}: keys[${i}].label`,
        `"${k.label}" is used by two keys`,
        'give each key its own label',
      );
    seenKeys.add(k.apiKey);
    seenLabels.add(k.label);
    if (!accounts[k.account]) {
      if (cfg.accounts) {
        throw new ValidationError(
          `${source}: keys[${i}].account`,
          `names account "${k.account}" which is not in "accounts"`,
          'add it under "accounts" or fix the name',
        );
      }
      accounts[k.account] = { balances: {} };
    }
  });
  return {
    keys,
    accounts,
    faults: cfg.faults ?? {},
    market: cfg.market ?? {},
    loans: cfg.loans ?? { ...DEFAULT_LOANS },
  };
}

/** Reads and validates a JSON config file. */
export function loadSimConfig(file: string): ResolvedSimConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ValidationError(
      '--config',
      `cannot read the file (${errorCode(err) ?? 'error'})`,
      'pass the path of a JSON file',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(
      '--config',
      `is not valid JSON (${(err as Error).message})`,
      'fix the JSON syntax',
    );
  }
  return parseSimConfig(json, file.split(/[\\/]/).pop() ?? 'sim config');
}
