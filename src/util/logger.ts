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

export function createLogger(opts: LoggerOptions = {}, destination?: pino.DestinationStream): Logger {
  const level = opts.level ?? process.env.OKXKIT_LOG_LEVEL ?? 'info';
  const base: LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: undefined,
    ...opts,
  };
  return destination ? pino(base, destination) : pino(base);
}

/** A logger that drops everything: the library default, so nothing is printed unless asked. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** First 4 characters of an API key, the rest masked: enough to tell keys apart in a log. */
export function maskKey(apiKey: string): string {
  return apiKey.length <= 4 ? '****' : `${apiKey.slice(0, 4)}****`;
}
