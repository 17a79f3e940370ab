import type { Command } from 'commander';
import { loadSimConfig } from '../../sim/config.js';
import { startSimulator, type Simulator } from '../../sim/simulator.js';
import { SIM_ADMIN_HEADER } from '../../sim/auth.js';
import { ValidationError } from '../../util/errors.js';
import { MirrorMarket } from '../../sim/market/mirror.js';
import { OKX_PUBLIC_WS_BASE, startMirrorFeed, type MirrorFeed } from '../../data/okx-mirror-feed.js';
import { systemClock } from '../../util/clock.js';
import { checkInstId } from '../../client/validate.js';

export interface SimFlags {
  port?: string;
  host?: string;
  config?: string;
  seed?: string;
  zeroChecksum?: boolean;
  rateScale?: string;
  market?: string;
  mirrorUrl?: string;
  inst?: string;
  mirrorTimeout?: string;
}

function intFlag(name: string, value: string | undefined, def: number, min: number, max: number): number {
  if (value === undefined) return def;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ValidationError(
      name,
      `"${value}" is not a whole number from ${min} to ${max}`,
      `e.g. ${name} ${def}`,
    );
  }
  return Number(value);
}

/** What `okxkit sim` prints: where to connect, and the sim's fake keys. */
export function describeSim(sim: Simulator): string {
  const lines = [
    'okxkit local exchange (OKX V5 compatible; keys below are fake and work only here)',
    `REST         ${sim.restUrl}`,
    `WS public    ${sim.wsUrls.wsPublic}`,
    `WS private   ${sim.wsUrls.wsPrivate}`,
    `WS business  ${sim.wsUrls.wsBusiness}`,
    ...(sim.rateLimitScale === 1
      ? []
      : [
          `rate limits  ${sim.rateLimitScale} x OKX's rules (--rate-scale); give clients the same --rate-scale`,
        ]),
    `faults       POST ${sim.restUrl}/sim/faults (loopback only, header x-okxkit-sim-admin: 1), or: okxkit sim-faults --url ${sim.restUrl} '{"errorRate":0.1}'`,
    '',
    'keys:',
  ];
  // Each key as `export` lines ready to paste into a shell, the base URL included.
  for (const k of sim.keys) {
    lines.push(
      `# ${k.label}  (perm ${k.perm}; ip ${k.ip || 'any'}; ${k.demo ? 'demo' : 'live'}; account ${k.account})`,
      `export OKX_BASE_URL=${sim.restUrl}`,
      `export OKX_API_KEY=${k.apiKey}`,
      `export OKX_SECRET_KEY=${k.secretKey}`,
      `export OKX_PASSPHRASE='${k.passphrase.replace(/'/g, `'\\''`)}'`,
      '',
    );
  }
  return lines.join('\n') + '\n';
}

/** Runs the sim until `signal` aborts; the command wires SIGINT/SIGTERM to it. */
export async function runSim(
  flags: SimFlags,
  io: { write(s: string): void; signal: AbortSignal },
): Promise<void> {
  const port = intFlag('--port', flags.port, 8080, 0, 65535);
  const seed = intFlag('--seed', flags.seed, 1, 0, 2 ** 32 - 1);
  const cfg = flags.config ? loadSimConfig(flags.config) : undefined;
  const marketKind = flags.market ?? 'seeded';
  if (marketKind !== 'seeded' && marketKind !== 'okx') {
    throw new ValidationError('--market', `'${marketKind}' is not a market`, 'use seeded (default) or okx');
  }
  let mirror: { market: MirrorMarket; feed: MirrorFeed } | undefined;
  if (marketKind === 'okx') {
    const instIds = (flags.inst ?? 'BTC-USDT,ETH-USDT')
      .split(',')
      .map((s) => checkInstId(s.trim().toUpperCase(), '--inst'));
    const market = new MirrorMarket(systemClock, instIds);
    const wsBase = flags.mirrorUrl ?? OKX_PUBLIC_WS_BASE;
    const feed = startMirrorFeed({ wsBase, instIds, target: market });
    mirror = { market, feed };
    const timeoutS = intFlag('--mirror-timeout', flags.mirrorTimeout, 30, 1, 3600);
    io.write(`mirroring ${instIds.join(', ')} from ${wsBase} ...\n`);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        feed.ready,
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new ValidationError(
                  '--mirror-url',
                  `no instrument rules and book from ${wsBase} within ${timeoutS} s`,
                  'check the network, the URL and the instrument ids (spot only for now)',
                ),
              ),
            timeoutS * 1000,
          );
        }),
      ]);
    } catch (err) {
      await feed.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
  const sim = await startSimulator({
    ...(mirror ? { market: mirror.market } : {}),
    port,
    host: flags.host ?? '127.0.0.1',
    seed,
    config: cfg,
    zeroChecksum: flags.zeroChecksum === true,
    rateLimitScale: intFlag('--rate-scale', flags.rateScale, 1, 1, 1000),
  });
  io.write(describeSim(sim));
  if (mirror) {
    io.write(
      `market       mirror of ${mirror.feed.urls.wsPublic} (${mirror.market
        .instruments()
        .map((i) => i.instId)
        .join(', ')}): real prices, orders matched here, nothing sent to OKX\n`,
    );
  }
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await sim.close();
  await mirror?.feed.close();
  io.write('local exchange stopped\n');
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
export function register(program: Command): void {
  program
    .command('sim')
    .description('run the local OKX-compatible exchange (REST + WebSocket) on loopback')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8080')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--config <file>', 'JSON file with keys and accounts (see docs/SIMULATOR.md)')
    .option('--seed <n>', 'seed of the market and of fault decisions', '1')
    .option(
      '--market <kind>',
      'seeded (a seeded random market, default) or okx (mirror OKX public market data)',
      'seeded',
    )
    .option('--inst <ids>', 'with --market okx: spot instruments to mirror', 'BTC-USDT,ETH-USDT')
    .option(
      '--mirror-url <url>',
      `with --market okx: the public WebSocket base (default ${OKX_PUBLIC_WS_BASE})`,
    )
    .option('--mirror-timeout <s>', 'with --market okx: seconds to wait for the first books', '30')
    .option('--zero-checksum', 'send checksum 0 in book pushes, as production OKX does since June 2026')
    .option(
      '--rate-scale <n>',
      "multiply every REST rate rule by n (default 1 = OKX's rules), e.g. to download a long history quickly",
      '1',
    )
    .action(async (flags: SimFlags) => {
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await runSim(flags, { write: (s) => process.stdout.write(s), signal: ac.signal });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });

  program
    .command('sim-faults')
    .description("change a running local exchange's fault injection")
    .argument('[settings]', 'JSON, e.g. \'{"latencyMs":200,"errorRate":0.1,"errorKind":"50001"}\'')
    .option('--url <url>', 'the local exchange REST URL', 'http://127.0.0.1:8080')
    .option('--reset', 'back to the faults the run started with')
    .option('--clear', 'no faults at all')
    .option('--drop-ws', 'drop every WebSocket connection now')
    .option('--ws-upgrade', 'announce a service upgrade (64008 notice) to WebSocket clients now')
    .action(
      async (
        settings: string | undefined,
        flags: { url: string; reset?: boolean; clear?: boolean; dropWs?: boolean; wsUpgrade?: boolean },
      ) => {
        let patch: Record<string, unknown> = {};
        if (settings) {
          try {
            patch = JSON.parse(settings) as Record<string, unknown>;
          } catch {
            throw new ValidationError(
              'settings',
              'is not valid JSON',
              'quote it, e.g. \'{"errorRate":0.1}\'',
            );
          }
        }
        if (flags.reset) patch.reset = true;
        if (flags.clear) patch.clear = true;
        if (flags.dropWs) patch.dropWs = true;
        if (flags.wsUpgrade) patch.wsUpgrade = true;
        const res = await fetch(`${flags.url.replace(/\/$/, '')}/sim/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIM_ADMIN_HEADER]: '1' },
          body: JSON.stringify(patch),
        });
        const body = (await res.json()) as { code?: string; msg?: string; data?: unknown[] };
        if (res.status !== 200)
          throw new ValidationError(
            'settings',
            body.msg ?? `HTTP ${res.status}`,
            'see docs/SIMULATOR.md#faults',
          );
        process.stdout.write(`${JSON.stringify(body.data?.[0] ?? {}, null, 2)}\n`);
      },
    );
}
