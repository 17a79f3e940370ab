import { dirname, extname, basename, join } from 'node:path';
import { pino } from 'pino';
import { createLogger, silentLogger, type Logger } from '../util/logger.js';
import { ValidationError } from '../util/errors.js';

/**
 * Where okxkit's logs go (docs/REQUIREMENTS.md R19): JSON lines to a file that rotates by size
 * (pino-roll, in pino's transport worker), pretty lines on a terminal (pino-pretty), or both. Every
 * record passes okxkit's redaction before it leaves the process's main thread, so a file never
 * holds a secret the terminal would not.
 */
export interface LogOptions {
  /** JSON log file; rotated files are numbered: `okxkit.log` -> `okxkit.1.log`, `okxkit.2.log`... */
  file?: string;
  /** Rotate when the file reaches this size: a number of bytes or `10k`, `20m`, `1g`. Default `10m`. */
  maxSize?: string;
  /** Rotated files kept besides the active one. Default 5. */
  files?: number;
  /** Minimum level (trace, debug, info, warn, error). Default info (OKXKIT_LOG_LEVEL). */
  level?: string;
  /** Pretty, colourised lines on stderr (default: when stderr is a terminal and no file is set). */
  pretty?: boolean;
  /** Log each outbound request (method, path, status, latency, masked key). Default false. */
  requests?: boolean;
}

export interface OpenLogger {
  logger: Logger;
  /** The logger the REST client gets: request lines only when `requests` is on. */
  clientLogger: Logger;
  /** Flushes and ends the transport (call before the process exits). */
  close(): Promise<void>;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** The size pino-roll takes: `10m`, `512k`, `1g` or a byte count (turned into `k`). */
export function parseLogSize(v: string): string {
  const s = v.trim().toLowerCase();
  const m = /^(\d+(?:\.\d+)?)\s*([kmg])?b?$/.exec(s);
  if (!m || Number(m[1]) <= 0)
    throw new ValidationError('--log-max-size', `"${v}" is not a size`, 'use e.g. 10m, 512k or 1g');
  if (m[2]) return `${m[1]}${m[2]}`;
  return `${Math.max(1, Math.ceil(Number(m[1]) / 1024))}k`;
}

/** Logging settings from flags, falling back on OKXKIT_LOG_FILE, OKXKIT_LOG_MAX_SIZE, OKXKIT_LOG_FILES, OKXKIT_LOG_REQUESTS, OKXKIT_LOG_LEVEL. */
export function logOptionsFrom(
  flags: {
    logFile?: string;
    logMaxSize?: string;
    logFiles?: string;
    logRequests?: boolean;
    logLevel?: string;
    logPretty?: boolean;
  },
  env: Record<string, string | undefined> = process.env,
): LogOptions {
  const o: LogOptions = {};
  const file = flags.logFile ?? (env.OKXKIT_LOG_FILE || undefined);
  if (file) o.file = file;
  const size = flags.logMaxSize ?? (env.OKXKIT_LOG_MAX_SIZE || undefined);
  if (size) o.maxSize = parseLogSize(size);
  const files = flags.logFiles ?? (env.OKXKIT_LOG_FILES || undefined);
  if (files !== undefined) {
    const n = Number(files);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw new ValidationError(
        '--log-files',
        `"${files}" is not a count of files`,
        'use a whole number from 1 to 1000',
      );
    o.files = n;
  }
  const requests = flags.logRequests ?? /^(1|true|yes|on)$/i.test(env.OKXKIT_LOG_REQUESTS ?? '');
  if (requests) o.requests = true;
  const level = flags.logLevel ?? (env.OKXKIT_LOG_LEVEL || undefined);
  if (level) {
    if (!LEVELS.includes(level))
      throw new ValidationError(
        '--log-level',
        `"${level}" is not a level`,
        `use one of ${LEVELS.join(', ')}`,
      );
    o.level = level;
  }
  if (flags.logPretty) o.pretty = true;
  return o;
}

/** Where pino-roll writes for a `--log-file`: its base name without the extension, and the extension. */
function rollTarget(file: string): { file: string; extension: string } {
  const ext = extname(file) || '.log';
  return { file: join(dirname(file), basename(file, extname(file))), extension: ext };
}

/**
 * Opens the process logger: a rotating JSON file, pretty stderr, or both; with neither, a logger
 * that drops everything.
 */
export function openLogger(opts: LogOptions): OpenLogger {
  const level = opts.level ?? 'info';
  const pretty = opts.pretty ?? (!opts.file && process.stderr.isTTY === true);
  const targets: pino.TransportTargetOptions[] = [];
  if (opts.file) {
    targets.push({
      target: 'pino-roll',
      level: 'trace',
      options: {
        ...rollTarget(opts.file),
        size: opts.maxSize ?? '10m',
        limit: { count: opts.files ?? 5 },
        mkdir: true,
      },
    });
  }
  if (pretty) {
    targets.push({
      target: 'pino-pretty',
      level: 'trace',
      options: { destination: 2, colorize: process.stderr.isTTY === true, translateTime: 'SYS:standard' },
    });
  }
  if (targets.length === 0)
    return { logger: silentLogger, clientLogger: silentLogger, close: () => Promise.resolve() };
  const transport = pino.transport({ targets });
  const logger = createLogger({ level, timestamp: pino.stdTimeFunctions.isoTime }, transport);
  // The client logs each request at info: with `requests` it logs them whatever the level, without
  // it only warnings and errors reach the file.
  const rank = (l: string) => LEVELS.indexOf(l);
  const clientLevel = opts.requests
    ? rank(level) > rank('info')
      ? 'info'
      : level
    : rank(level) < rank('warn')
      ? 'warn'
      : level;
  const clientLogger = logger.child({}, { level: clientLevel });
  let closed: Promise<void> | undefined;
  return {
    logger,
    clientLogger,
    close() {
      closed ??= new Promise<void>((resolve) => {
        // The transport's worker does not hold the event loop open: hold it until the file is closed.
        const hold = setInterval(() => undefined, 1_000);
        transport.once('close', () => {
          clearInterval(hold);
          resolve();
        });
        transport.end();
      });
      return closed;
    },
  };
}
