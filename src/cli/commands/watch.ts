import type { Command } from 'commander';
import type { Credentials } from '../../client/credentials.js';
import { ValidationError, errorCode } from '../../util/errors.js';
import { CANDLE_BARS, type CandleBar } from '../../ws/channels.js';
import { OkxWsClient, type ClockSource } from '../../ws/client.js';
import type { OkxWsError } from '../../ws/errors.js';
import type { OrderBook } from '../../ws/order-book.js';
import type { WsStream } from '../../ws/stream.js';

export interface WatchOptions {
  baseUrl?: string;
  demo?: boolean;
  site?: 'global' | 'eea' | 'us';
  json?: boolean;
  /** Stop after this many seconds (default: run until Ctrl-C). */
  seconds?: number;
  /** Run against an embedded local exchange. */
  sim?: boolean;
  /** Live OKX hosts even without credentials. */
  live?: boolean;
  depth?: number;
  bar?: string;
  /** Vault profile for private channels (also OKXKIT_PROFILE). */
  profile?: string;
  /** Vault file (default OKXKIT_VAULT or ~/.okxkit/vault.json). */
  vault?: string;
  /** Environment to read credentials and OKX_BASE_URL from (tests pass their own). */
  env?: Record<string, string | undefined>;
  /** Called when the exchange acknowledges the watched channel (a test acts on it). */
  onSubscribed?: () => void;
}

export type WatchKind = 'ticker' | 'book' | 'orders' | 'trades' | 'candles';

interface Target {
  ws: OkxWsClient;
  where: string;
  close: () => Promise<void>;
}

/** Where to connect: --sim (or nothing configured) starts the local exchange; else a base URL or the OKX hosts. */
async function target(kind: WatchKind, o: WatchOptions): Promise<Target> {
  const env = o.env ?? process.env;
  const { hasCredentialsInEnv } = await import('../../client/env.js');
  const hasCreds = hasCredentialsInEnv(env);
  const baseUrl = o.baseUrl ?? env.OKX_BASE_URL;
  const profile = o.profile ?? (env.OKXKIT_PROFILE || undefined);
  const useSim = o.sim || (!baseUrl && !hasCreds && !o.live && !profile);
  if (useSim) {
    const { startSimulator } = await import('../../sim/simulator.js');
    const sim = await startSimulator({ port: 0 });
    const ws = new OkxWsClient({
      urls: sim.wsUrls,
      credentials: kind === 'orders' ? sim.credentials('trade') : undefined,
    });
    return {
      ws,
      where: `local exchange ${sim.restUrl}`,
      close: async () => {
        await ws.close();
        await sim.close();
      },
    };
  }
  let credentials: Credentials | undefined;
  let clockSource: ClockSource | undefined;
  let demo = o.demo;
  let site = o.site;
  if (kind === 'orders') {
    if (profile) {
      const { resolveCredentials } = await import('../../security/resolve.js');
      const r = await resolveCredentials({ profile, env, vaultPath: o.vault });
      credentials = r.credentials;
      demo = demo || r.demo;
      site = site ?? r.site;
    } else {
      const { credentialsFromEnv } = await import('../../client/credentials.js');
      credentials = credentialsFromEnv(env);
    }
    // WS login timestamps must be within 30 s of server time (docs/OKX-PROTOCOL.md §2.2): measure the offset.
    const { OkxClient } = await import('../../client/okx-client.js');
    const rest = new OkxClient({ baseUrl, site, demo });
    // One sample is enough for a login window of 30 s. A failed sample leaves the local clock: a
    // login outside the window then fails with its own error, which the command prints.
    await rest.syncClock({ samples: 1 }).catch(() => undefined);
    clockSource = rest;
  }
  if (baseUrl) {
    try {
      new URL(baseUrl);
    } catch {
      throw new ValidationError('--base-url', `'${baseUrl}' is not a URL`, 'e.g. http://127.0.0.1:8080');
    }
  }
  const ws = new OkxWsClient({ baseUrl, site, demo, credentials, clockSource });
  return { ws, where: baseUrl ?? (demo ? 'OKX demo' : 'OKX'), close: () => ws.close() };
}

function fmtBook(book: OrderBook, depth: number): string {
  const { bids, asks } = book.depth(depth);
  const lines = [
    `${book.instId}  seqId ${book.seqId ?? '-'}  spread ${book.spread() ?? '-'}  mid ${book.mid() ?? '-'}`,
  ];
  lines.push(
    `${'bid size'.padStart(16)} ${'bid'.padStart(14)} | ${'ask'.padEnd(14)} ${'ask size'.padEnd(16)}`,
  );
  for (let i = 0; i < depth; i++) {
    const b = bids[i];
    const a = asks[i];
    lines.push(
      `${(b?.[1] ?? '').padStart(16)} ${(b?.[0] ?? '').padStart(14)} | ${(a?.[0] ?? '').padEnd(14)} ${(a?.[1] ?? '').padEnd(16)}`,
    );
  }
  return lines.join('\n');
}

// long: a terminal loop: subscription, redraw throttle and shutdown share the screen state
/**
 * Runs a watch until `seconds` pass (or forever), writing to `out`. Returns the number of
 * updates written.
 */
export async function runWatch(
  kind: WatchKind,
  instId: string | undefined,
  o: WatchOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  if ((kind === 'ticker' || kind === 'book' || kind === 'trades' || kind === 'candles') && !instId) {
    throw new ValidationError('instId', 'missing', `e.g. okxkit watch ${kind} BTC-USDT`);
  }
  if (o.seconds !== undefined && !(o.seconds > 0))
    throw new ValidationError('--seconds', 'must be a positive number', 'e.g. --seconds 10');
  const bar = (o.bar ?? '1m') as CandleBar;
  if (kind === 'candles' && !(CANDLE_BARS as readonly string[]).includes(bar)) {
    throw new ValidationError('--bar', `'${o.bar}' is not a bar size`, `use one of ${CANDLE_BARS.join(' ')}`);
  }
  const t = await target(kind, o);
  const write = (s: string) => out.write(`${s}\n`);
  let count = 0;
  let failure: OkxWsError | undefined;
  t.ws.on('error', (e) => {
    if (!o.json) process.stderr.write(`warning [${e.code}]: ${e.message}\n`);
  });
  t.ws.on('subscribed', () => o.onSubscribed?.());
  t.ws.on('stopped', ({ err }) => {
    if (err) failure = err;
  });
  if (!o.json) process.stderr.write(`watching ${kind}${instId ? ` ${instId}` : ''} on ${t.where}\n`);

  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const timer = o.seconds ? setTimeout(stop, o.seconds * 1000) : undefined;
  const onSig = () => stop();
  process.once('SIGINT', onSig);

  const drain = async <T>(stream: WsStream<T>, show: (x: T) => string) => {
    void stopped.then(() => stream.close());
    try {
      for await (const x of stream) {
        count++;
        write(o.json ? JSON.stringify(x) : show(x));
      }
    } catch (err) {
      failure = err as OkxWsError;
    }
  };

  try {
    if (kind === 'ticker') {
      await Promise.race([
        drain(
          t.ws.tickers(instId!),
          (x) =>
            `${x.instId}  last ${x.last}  bid ${x.bidPx} (${x.bidSz})  ask ${x.askPx} (${x.askSz})  24h ${x.low24h}-${x.high24h}  ts ${x.ts}`,
        ),
        stopped,
      ]);
    } else if (kind === 'trades') {
      await Promise.race([
        drain(t.ws.trades(instId!), (x) => `${x.ts}  ${x.side.padEnd(4)} ${x.sz} @ ${x.px}  #${x.tradeId}`),
        stopped,
      ]);
    } else if (kind === 'candles') {
      await Promise.race([
        drain(
          t.ws.candles(instId!, bar),
          (x) =>
            `${x.ts} ${x.bar}  o ${x.o}  h ${x.h}  l ${x.l}  c ${x.c}  vol ${x.vol}${x.confirm === '1' ? '  closed' : ''}`,
        ),
        stopped,
      ]);
    } else if (kind === 'orders') {
      await Promise.race([
        drain(
          t.ws.orders(),
          (x) =>
            `${x.uTime}  ${x.instId} ${x.side} ${x.ordType} ${x.sz} @ ${x.px || 'mkt'}  ${x.state}  filled ${x.accFillSz}  ordId ${x.ordId}${x.clOrdId ? ` clOrdId ${x.clOrdId}` : ''}`,
        ),
        stopped,
      ]);
    } else {
      const depth = o.depth ?? 10;
      const live = t.ws.orderBook(instId!);
      const tty = !o.json && (out as NodeJS.WriteStream).isTTY === true;
      let last = 0;
      // Redraw at most 10 times a second: the terminal cannot show more.
      live.on('change', (b) => {
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        count++;
        if (o.json) {
          write(
            JSON.stringify({
              instId: b.instId,
              seqId: b.seqId,
              ts: b.ts,
              bestBid: b.bestBid(),
              bestAsk: b.bestAsk(),
              spread: b.spread(),
              mid: b.mid(),
              ...b.depth(depth),
            }),
          );
        } else {
          write(`${tty ? '\x1b[H\x1b[2J' : ''}${fmtBook(b, depth)}`);
        }
      });
      live.on('resync', (r) => {
        if (!o.json) process.stderr.write(`book resync (${r.reason}): ${r.detail}\n`);
      });
      live.ready.catch((err: unknown) => {
        failure = err as OkxWsError;
        stop();
      });
      await stopped;
      live.close();
    }
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSig);
    await t.close();
  }
  if (failure && errorCode(failure) !== 'WS_CLOSED') throw failure;
  return count;
}

interface CliOpts {
  baseUrl?: string;
  site?: string;
  demo?: boolean;
  json?: boolean;
  seconds?: string;
  sim?: boolean;
  live?: boolean;
  profile?: string;
  vault?: string;
  depth?: string;
  bar?: string;
}

function toOptions(c: CliOpts): WatchOptions {
  const num = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new ValidationError(name, `'${v}' is not a positive number`);
    return n;
  };
  if (c.site !== undefined && c.site !== 'global' && c.site !== 'eea' && c.site !== 'us') {
    throw new ValidationError('--site', `'${c.site}' is not a site`, 'use global, eea or us');
  }
  return {
    baseUrl: c.baseUrl,
    site: c.site,
    demo: c.demo,
    json: c.json,
    sim: c.sim,
    live: c.live,
    profile: c.profile,
    vault: c.vault,
    seconds: num('--seconds', c.seconds),
    depth: num('--depth', c.depth),
    bar: c.bar,
  };
}

function common(cmd: Command): Command {
  return cmd
    .option(
      '--base-url <url>',
      'an OKX-compatible server (WS on the same origin), e.g. http://127.0.0.1:8080',
    )
    .option('--demo', 'OKX demo trading hosts (wspap)')
    .option('--site <site>', 'global | eea | us (default global)')
    .option('--live', 'OKX live hosts even without credentials (public channels)')
    .option('--sim', 'run against an embedded local exchange (the default when nothing is configured)')
    .option(
      '--profile <name>',
      'credentials from this vault profile for private channels (also OKXKIT_PROFILE)',
    )
    .option('--vault <path>', 'vault file (default: OKXKIT_VAULT or ~/.okxkit/vault.json)')
    .option('--json', 'one JSON object per line')
    .option('--seconds <n>', 'stop after n seconds');
}

/** `okxkit watch ticker|book|trades|candles <instId>` and `okxkit watch orders`. */
export function register(program: Command): void {
  const watch = program.command('watch').description('stream market data or your orders over WebSocket');
  common(watch.command('ticker <instId>').description('live ticker')).action(
    async (instId: string, c: CliOpts) => {
      await runWatch('ticker', instId, toOptions(c));
    },
  );
  common(watch.command('book <instId>').description('live top of the order book, redrawn in place'))
    .option('--depth <n>', 'levels per side to show (default 10)')
    .action(async (instId: string, c: CliOpts) => {
      await runWatch('book', instId, toOptions(c));
    });
  common(watch.command('trades <instId>').description('public trades')).action(
    async (instId: string, c: CliOpts) => {
      await runWatch('trades', instId, toOptions(c));
    },
  );
  common(watch.command('candles <instId>').description('candles (on the /business endpoint)'))
    .option('--bar <bar>', 'bar size, e.g. 1m, 1H, 1Dutc (default 1m)')
    .action(async (instId: string, c: CliOpts) => {
      await runWatch('candles', instId, toOptions(c));
    });
  common(watch.command('orders').description('your orders (private channel; needs credentials)')).action(
    async (c: CliOpts) => {
      await runWatch('orders', undefined, toOptions(c));
    },
  );
}
