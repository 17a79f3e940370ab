import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Paths pino blanks in every record, wherever a caller puts them. A second line of defence:
 * callers log masked values in the first place (see maskKey).
 */
export const REDACT_PATHS = [
  'secretKey',
  'passphrase',
  'sign',
  'signature',
  '*.secretKey',
  '*.passphrase',
  '*.sign',
  '*.signature',
  'headers["ok-access-sign"]',
  'headers["ok-access-passphrase"]',
  'headers["OK-ACCESS-SIGN"]',
  'headers["OK-ACCESS-PASSPHRASE"]',
];

/**
 * Key names whose value is a secret wherever they appear, at any depth of a logged object
 * (pino's own paths stop at the depth written in them). Compared without case, '-' or '_'.
 */
const SECRET_KEY_NAMES = new Set(
  [
    'secretKey',
    'secret',
    'apiSecret',
    'secret_key',
    'passphrase',
    'apiPass',
    'password',
    'sign',
    'signature',
    'ok-access-sign',
    'ok-access-passphrase',
    'authorization',
    'privateKey',
    'vaultPassphrase',
    'token',
    'accessToken',
    'webhookSecret',
  ].map(norm),
);

function norm(k: string): string {
  return k.toLowerCase().replace(/[-_]/g, '');
}

export const CENSOR = '[redacted]';

/**
 * A copy of `value` with every secret-named key censored at any depth (objects, arrays, errors,
 * Maps), or `value` itself when nothing needed it. Cycles and very deep values are cut off.
 */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth > 32) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v) => {
        const r = redactDeep(v, depth + 1, seen);
        if (r !== v) changed = true;
        return r;
      });
      return changed ? out : value;
    }
    if (value instanceof Map) {
      return redactDeep(Object.fromEntries(value), depth, new WeakSet());
    }
    // Objects that serialise themselves (Credentials, clients) already redact: leave them.
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function' && !(value instanceof Error))
      return value;
    let out: Record<string, unknown> | undefined;
    const keys = value instanceof Error ? ['message', 'stack', ...Object.keys(value)] : Object.keys(value);
    for (const k of keys) {
      const v = (value as Record<string, unknown>)[k];
      const r =
        SECRET_KEY_NAMES.has(norm(k)) && v !== undefined && v !== ''
          ? CENSOR
          : redactDeep(v, depth + 1, seen);
      if (r !== v) {
        if (out === undefined) {
          out = Object.create(Object.getPrototypeOf(value) as object) as Record<string, unknown>;
          for (const kk of keys) out[kk] = (value as Record<string, unknown>)[kk];
        }
        out[k] = r;
      }
    }
    return out ?? value;
  } finally {
    seen.delete(value);
  }
}

export function createLogger(opts: LoggerOptions = {}, destination?: pino.DestinationStream): Logger {
  const level = opts.level ?? process.env.OKXKIT_LOG_LEVEL ?? 'info';
  const base: LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    base: undefined,
    ...opts,
    // Second line of defence at any depth: runs on every record and every child's bindings.
    formatters: {
      ...opts.formatters,
      log: (o) => redactDeep(opts.formatters?.log ? opts.formatters.log(o) : o) as Record<string, unknown>,
      bindings: (b) =>
        redactDeep(opts.formatters?.bindings ? opts.formatters.bindings(b) : b) as Record<string, unknown>,
    },
  };
  return redactChildren(destination ? pino(base, destination) : pino(base));
}

/** pino serialises a child's bindings once, at creation, without the log formatter: redact them there. */
function redactChildren(logger: Logger): Logger {
  const child = logger.child.bind(logger);
  const wrapped = (bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger =>
    redactChildren(child(redactDeep(bindings) as pino.Bindings, options));
  logger.child = wrapped as unknown as Logger['child'];
  return logger;
}

/** A logger that drops everything: the library default, so nothing is printed unless asked. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** First 4 characters of an API key, the rest masked: enough to tell keys apart in a log. */
export function maskKey(apiKey: string): string {
  return apiKey.length <= 4 ? '****' : `${apiKey.slice(0, 4)}****`;
}
