import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { clientOptionsFromEnv, envWithDotEnv } from '../../client/env.js';
import { Credentials } from '../../client/credentials.js';
import { isLoopbackUrl } from '../../data/scaled-limiter.js';
import { ArbSession, type ArbSummary, type VenueSpec } from '../../arb/session.js';
import { backtestFromStore } from '../../arb/replay.js';
import type { BasisEdge, BasisPnl } from '../../arb/basis.js';
import { basisBacktestFromStore } from '../../arb/basis-replay.js';
import { BasisSession } from '../../arb/basis-session.js';
import type { CycleSpec, Opportunity, PairSpec } from '../../arb/types.js';
import { DEFAULT_KEYS } from '../../sim/config.js';
import { ValidationError } from '../../util/errors.js';
import { formatTable, io, parseIntFlag } from '../common.js';
import { defaultDataDir } from './data.js';
import { okxkitHome } from '../../security/paths.js';

interface ArbFlags {
  venue: string[];
  cycle: string[];
  pair: string[];
  size: string;
  pairSize: string;
  thresholdBps: string;
  takerFee?: string;
  simKeys?: boolean;
  seconds?: string;
  every: string;
  dir?: string;
  record: boolean;
  json?: boolean;
  paper?: boolean;
  lossBudget?: string;
  latencyMs?: string;
}

const collect = (v: string, acc: string[]) => [...acc, v];

function num(name: string, v: string | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^-?\d+(\.\d+)?$/.test(v) || !(n >= min))
    throw new ValidationError(name, `'${v}' is not a number >= ${min}`, `e.g. ${name} 1000`);
  return n;
}

/** `name=url` (OKX V5 API) or `name=ccxt:<exchange>[@url]`. */
function parseVenue(spec: string, flags: ArbFlags): VenueSpec {
  const m = /^([a-z0-9]{1,12})=(.+)$/.exec(spec);
  if (!m)
    throw new ValidationError(
      '--venue',
      `'${spec}' is not name=url`,
      'e.g. --venue okx=http://127.0.0.1:8080 or --venue alt=ccxt:okx@http://127.0.0.1:8081',
    );
  const [, name, target] = m as unknown as [string, string, string];
  const ccxt = /^ccxt:([a-z0-9]+)(?:@(.+))?$/.exec(target);
  const url = ccxt ? ccxt[2] : target;
  if (url !== undefined && !/^https?:\/\//.test(url))
    throw new ValidationError('--venue', `'${url}' is not an http(s) URL`, 'e.g. http://127.0.0.1:8080');
  let creds: { apiKey: string; secretKey: string; passphrase: string } | undefined;
  if (flags.simKeys) {
    if (!url || !isLoopbackUrl(url))
      throw new ValidationError(
        '--sim-keys',
        `venue ${name} is not on loopback`,
        "the local exchange's fake keys only go to 127.0.0.1",
      );
    creds = DEFAULT_KEYS.find((k) => k.label === 'trade')!;
  }
  if (ccxt) {
    return {
      name,
      kind: 'ccxt',
      exchange: ccxt[1]!,
      ...(url ? { url } : {}),
      ...(creds
        ? { ccxtKeys: { apiKey: creds.apiKey, secret: creds.secretKey, password: creds.passphrase } }
        : {}),
    };
  }
  let credentials: Credentials | undefined;
  if (creds) credentials = new Credentials(creds.apiKey, creds.secretKey, creds.passphrase);
  else credentials = clientOptionsFromEnv(envWithDotEnv(process.env)).credentials;
  return { name, kind: 'okx', url: target, ...(credentials ? { credentials } : {}) };
}

function parseCycle(spec: string, venues: VenueSpec[]): CycleSpec {
  const m = /^(?:([a-z0-9]{1,12}):)?([A-Z0-9]+),([A-Z0-9]+),([A-Z0-9]+)$/.exec(spec);
  if (!m)
    throw new ValidationError('--cycle', `'${spec}' is not [venue:]A,B,C`, 'e.g. --cycle okx:USDT,BTC,ETH');
  return { venue: m[1] ?? venues[0]!.name, currencies: [m[2]!, m[3]!, m[4]!] };
}

function row(o: Opportunity): Record<string, unknown> {
  return {
    route: o.id,
    'edge bps': o.edgeBps.toFixed(1),
    size: o.size > 0 ? +o.size.toPrecision(6) : 0,
    profit: +o.profit.toFixed(4),
    ccy: o.ccy,
    'book age ms': Math.round(o.maxAgeMs),
  };
}
const COLUMNS = ['route', 'edge bps', 'size', 'profit', 'ccy', 'book age ms'];

function summaryJson(s: ArbSummary) {
  return {
    scans: s.scans,
    recorded: s.recorded,
    bookRows: s.bookRows,
    fees: s.fees,
    best: s.best.map((o) => ({
      id: o.id,
      edgeBps: o.edgeBps,
      size: o.size,
      profit: o.profit,
      ccy: o.ccy,
      maxAgeMs: o.maxAgeMs,
      books: o.books,
    })),
    runs: s.runs.map((r) => ({
      id: r.id,
      opportunity: r.opportunity,
      status: r.status,
      reason: r.reason,
      pnl: r.pnl,
      loss: r.loss,
      detectToOrderMs: r.detectToOrderMs,
      legs: r.legs.map(({ sentPerf: _s, ackPerf: _a, ...l }) => l),
      unwind: r.unwind.map(({ sentPerf: _s, ackPerf: _a, ...l }) => l),
    })),
  };
}

// long: flag parsing, the session, the live table and the summary of scan and run
async function runArb(flags: ArbFlags, trade: boolean): Promise<void> {
  if (flags.venue.length === 0)
    throw new ValidationError(
      '--venue',
      'is required',
      'e.g. --venue okx=http://127.0.0.1:8080 --venue alt=http://127.0.0.1:8081',
    );
  const venues = flags.venue.map((v) => parseVenue(v, flags));
  if (new Set(venues.map((v) => v.name)).size !== venues.length)
    throw new ValidationError('--venue', 'two venues have the same name', 'name each venue once');
  const cycles = flags.cycle.map((c) => parseCycle(c, venues));
  const pairs: PairSpec[] = flags.pair.map((p) => {
    if (venues.length < 2) throw new ValidationError('--pair', 'needs two venues', 'add a second --venue');
    if (!/^[A-Z0-9]+-[A-Z0-9]+$/.test(p))
      throw new ValidationError('--pair', `'${p}' is not a spot instrument`, 'e.g. BTC-USDT');
    return { instId: p, venues: [venues[0]!.name, venues[1]!.name] };
  });
  if (cycles.length + pairs.length === 0)
    throw new ValidationError(
      '--cycle / --pair',
      'nothing to scan',
      'e.g. --cycle okx:USDT,BTC,ETH --pair BTC-USDT',
    );
  const seconds = parseIntFlag('--seconds', flags.seconds, 1, 10_000_000);
  const every = parseIntFlag('--every', flags.every, 1, 3600)!;
  const dir = flags.dir ?? defaultDataDir();
  const journalDir = join(okxkitHome(), 'arb-journal');
  if (trade) mkdirSync(journalDir, { recursive: true });
  const session = await ArbSession.start({
    venues,
    cycles,
    pairs,
    maxCycleSize: num('--size', flags.size, 0)!,
    maxPairSize: num('--pair-size', flags.pairSize, 0)!,
    ...(flags.takerFee !== undefined ? { takerFee: num('--taker-fee', flags.takerFee, 0)! } : {}),
    thresholdBps: num('--threshold-bps', flags.thresholdBps, -10_000)!,
    ...(flags.record ? { storeDir: dir } : {}),
    ...(trade
      ? {
          trade: {
            mode: flags.paper ? ('paper' as const) : ('live' as const),
            lossBudget: num('--loss-budget', flags.lossBudget ?? '10', 0)!,
            latencyBudgetMs: num('--latency-ms', flags.latencyMs ?? '500', 1)!,
            journalDir,
            paperBalances: { USDT: 100_000, BTC: 2, ETH: 20 },
          },
        }
      : {}),
  });
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const done = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000);
  const table = flags.json
    ? undefined
    : setInterval(() => {
        if (session.latest.length) io.out(formatTable(session.latest.map(row), COLUMNS) + '\n');
      }, every * 1000);
  await new Promise<void>((resolve) => ac.signal.addEventListener('abort', () => resolve(), { once: true }));
  clearTimeout(done);
  clearInterval(table);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  const s = await session.stop();
  if (flags.json) {
    io.out(`${JSON.stringify(summaryJson(s), null, 2)}\n`);
    return;
  }
  io.out(
    `best edge per route over ${s.scans} scans (after taker fees ${Object.entries(s.fees)
      .map(([v, f]) => `${v} ${f.taker} from ${f.source}`)
      .join(', ')}):\n`,
  );
  io.out(formatTable(s.best.map(row), COLUMNS));
  if (flags.record)
    io.out(
      `recorded ${s.recorded} opportunities at or above ${flags.thresholdBps} bps and ${s.bookRows} book snapshots into ${dir}\n`,
    );
  for (const r of s.runs)
    io.out(
      `run ${r.id} ${r.opportunity}: ${r.status}${r.reason ? ` (${r.reason})` : ''}, pnl ${r.pnl.toFixed(4)}, ${r.legs.length} legs + ${r.unwind.length} unwind orders${r.detectToOrderMs !== undefined ? `, detect-to-order ${r.detectToOrderMs.toFixed(1)} ms` : ''}\n`,
    );
  if (s.runs.some((r) => r.status === 'over-budget')) process.exitCode = 2;
}

function addFlags(cmd: Command): Command {
  return cmd
    .option(
      '--venue <name=url>',
      'a venue: name=OKX-compatible URL, or name=ccxt:<exchange>[@url] (repeat)',
      collect,
      [],
    )
    .option(
      '--cycle <[venue:]A,B,C>',
      'a triangular cycle, e.g. okx:USDT,BTC,ETH (both directions; repeat)',
      collect,
      [],
    )
    .option('--pair <instId>', 'an instrument on the first two venues, e.g. BTC-USDT (repeat)', collect, [])
    .option('--size <n>', 'largest cycle size, in its start currency', '1000')
    .option('--pair-size <n>', 'largest pair size, base units', '0.01')
    .option('--threshold-bps <n>', 'record (and trade) opportunities at least this good after fees', '0')
    .option('--taker-fee <rate>', 'taker fee for venues without credentials, e.g. 0.001')
    .option('--sim-keys', "use the local exchange's fake trade key for every venue (loopback only)")
    .option('--seconds <n>', 'stop after n seconds (default: until Ctrl-C)')
    .option('--every <s>', 'print the table every s seconds', '1')
    .option('--dir <path>', 'store folder (default: OKXKIT_DATA_DIR or $OKXKIT_HOME/market-data)')
    .option('--no-record', 'do not record opportunities and books')
    .option('--json', 'print the summary as JSON only');
}

/** `okxkit arb`: arbitrage scan and bots (docs/ARBITRAGE.md). */
// long: the three subcommands and their flags, as commander declares them
export function register(program: Command): void {
  const arb = program
    .command('arb')
    .description(
      'arbitrage: triangular cycles, cross-venue pairs and spot-perpetual basis (docs/ARBITRAGE.md)',
    );
  addFlags(
    arb
      .command('scan')
      .description(
        'live table of each cycle and pair: edge after taker fees and depth, best size, book ages; records what passes the threshold',
      ),
  ).action((flags: ArbFlags) => runArb(flags, false));
  addFlags(
    arb
      .command('run')
      .description(
        'scan and trade the best opportunity: IOC legs through the guard and journal, unwind within the loss budget',
      ),
  )
    .option('--paper', 'trade on paper against the live books (no orders sent)')
    .option('--loss-budget <n>', "largest loss of one run's unwind, in the route's currency", '10')
    .option('--latency-ms <n>', 'no trade on a book older than this', '500')
    .action((flags: ArbFlags) => runArb(flags, true));
  const basis = arb
    .command('basis')
    .description(
      'spot long + perpetual short when basis and funding pay more than fees and borrowing (docs/ARBITRAGE.md)',
    );
  addBasisFlags(
    basis
      .command('scan')
      .description(
        'the entry edge every step: basis, funding, fees at the tier, borrowing; tapes books and fundings',
      ),
  ).action((flags: BasisFlags) => runBasis(flags, 'scan'));
  addBasisFlags(
    basis
      .command('run')
      .description('the basis bot: enter, watch margin and funding, exit (live, --paper or --backtest)'),
  )
    .option('--paper', 'trade on paper against the live books (no orders sent)')
    .option('--backtest', 'replay the books and fundings a scan recorded (--dir) through the same bot')
    .option('--ct-val <n>', 'backtest: the contract value, when the recording has no instruments.json')
    .action((flags: BasisFlags) => {
      if (flags.paper && flags.backtest)
        throw new ValidationError('--paper / --backtest', 'are exclusive', 'give one of them');
      return runBasis(flags, flags.backtest ? 'backtest' : flags.paper ? 'paper' : 'live');
    });
  arb
    .command('backtest')
    .description('replay the books a scan recorded (--dir) through the same engine and bot on paper venues')
    .option('--venues <names>', 'venues recorded by the scan, comma-separated, e.g. a,b')
    .option('--cycle <[venue:]A,B,C>', 'a triangular cycle (repeat)', collect, [])
    .option('--pair <instId>', 'an instrument on the first two venues (repeat)', collect, [])
    .option('--size <n>', 'largest cycle size, in its start currency', '1000')
    .option('--pair-size <n>', 'largest pair size, base units', '0.01')
    .option('--threshold-bps <n>', 'trade opportunities at least this good after fees', '0')
    .option('--taker-fee <rate>', 'taker fee of every venue', '0.001')
    .option('--loss-budget <n>', "largest loss of one run's unwind", '10')
    .option('--latency-ms <n>', 'no trade on a book older than this', '500')
    .option(
      '--dir <path>',
      'store folder the scan recorded into (default: OKXKIT_DATA_DIR or $OKXKIT_HOME/market-data)',
    )
    .option('--json', 'print the report as JSON only')
    .action(async (flags: ArbFlags & { venues?: string }) => {
      const names = (flags.venues ?? '').split(',').filter(Boolean);
      if (names.length === 0) throw new ValidationError('--venues', 'is required', 'e.g. --venues a,b');
      const venues = names.map((name) => ({ name, kind: 'okx' as const }));
      const cycles = flags.cycle.map((c) => parseCycle(c, venues));
      const pairs: PairSpec[] = flags.pair.map((p) => ({
        instId: p,
        venues: [names[0]!, names[1] ?? names[0]!],
      }));
      const fee = num('--taker-fee', flags.takerFee, 0)!;
      const rep = await backtestFromStore({
        dir: flags.dir ?? defaultDataDir(),
        venues: names,
        cycles,
        pairs,
        takerFee: Object.fromEntries(names.map((n) => [n, fee])),
        maxCycleSize: num('--size', flags.size, 0)!,
        maxPairSize: num('--pair-size', flags.pairSize, 0)!,
        thresholdBps: num('--threshold-bps', flags.thresholdBps, -10_000)!,
        bot: {
          lossBudget: num('--loss-budget', flags.lossBudget, 0)!,
          latencyBudgetMs: num('--latency-ms', flags.latencyMs, 1)!,
        },
        balances: { USDT: 100_000, BTC: 2, ETH: 20 },
      });
      const byStatus: Record<string, number> = {};
      for (const r of rep.runs) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      const episodes = Object.fromEntries(
        Object.entries(rep.episodesMs).map(([id, xs]) => [
          id,
          { count: xs.length, medianMs: median(xs), maxMs: Math.max(...xs) },
        ]),
      );
      if (flags.json) {
        io.out(
          `${JSON.stringify({ events: rep.events, scans: rep.scans, seen: rep.seen, episodes, runs: byStatus, pnl: rep.pnl, worstLoss: rep.worstLoss, balances: rep.balances }, null, 2)}\n`,
        );
        return;
      }
      io.out(
        `replayed ${rep.events} recorded books; ${rep.runs.length} runs (${
          Object.entries(byStatus)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ') || 'none'
        }), pnl ${rep.pnl.toFixed(4)}, worst loss ${rep.worstLoss.toFixed(4)}\n`,
      );
      io.out(
        formatTable(
          Object.entries(episodes).map(([route, e]) => ({
            route,
            seen: rep.seen[route] ?? 0,
            episodes: e.count,
            'median ms': e.medianMs,
            'max ms': e.maxMs,
          })),
          ['route', 'seen', 'episodes', 'median ms', 'max ms'],
        ),
      );
    });
}

interface BasisFlags {
  venue?: string;
  spot: string;
  swap?: string;
  size: string;
  borrowRate: string;
  horizonHours: string;
  minEdgeBps: string;
  minMarginRatio: string;
  maxAdverseFundings: string;
  lever?: string;
  fees?: string;
  ctVal?: string;
  simKeys?: boolean;
  seconds?: string;
  every: string;
  stepMs: string;
  dir?: string;
  record: boolean;
  json?: boolean;
  paper?: boolean;
  backtest?: boolean;
}

function parseFees(v: string | undefined): { spot: number; swap: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)$/.exec(v);
  if (!m || !(Number(m[1]) < 0.1 && Number(m[2]) < 0.1))
    throw new ValidationError(
      '--fees',
      `'${v}' is not spot,swap taker fee fractions`,
      'e.g. --fees 0.001,0.0005',
    );
  return { spot: Number(m[1]), swap: Number(m[2]) };
}

function edgeRow(e: BasisEdge): Record<string, unknown> {
  return {
    'basis bps': e.basisBps.toFixed(1),
    'funding bps': e.fundingBps.toFixed(1),
    'fees bps': e.feeBps.toFixed(1),
    'borrowing bps': e.borrowBps.toFixed(2),
    'net bps': e.netBps.toFixed(1),
  };
}
const EDGE_COLUMNS = ['basis bps', 'funding bps', 'fees bps', 'borrowing bps', 'net bps'];

function pnlLine(p: BasisPnl): string {
  return `pnl ${p.total.toFixed(4)} = basis ${p.basis.toFixed(4)} + funding ${p.funding.toFixed(4)} + fees ${p.fees.toFixed(4)}`;
}

// long: flag parsing for the three modes of the basis bot, the live table and the summaries
async function runBasis(flags: BasisFlags, mode: 'scan' | 'paper' | 'live' | 'backtest'): Promise<void> {
  const spot = flags.spot;
  if (!/^[A-Z0-9]+-[A-Z0-9]+$/.test(spot))
    throw new ValidationError('--spot', `'${spot}' is not a spot instrument`, 'e.g. --spot BTC-USDT');
  const swap = flags.swap ?? `${spot}-SWAP`;
  const horizonHours = num('--horizon-hours', flags.horizonHours, 0)!;
  const settings = {
    size: flags.size,
    borrowRateYearly: num('--borrow-rate', flags.borrowRate, 0)!,
    horizonMs: horizonHours * 3_600_000,
    minEdgeBps: num('--min-edge-bps', flags.minEdgeBps, -10_000)!,
    minMarginRatio: num('--min-margin-ratio', flags.minMarginRatio, 0)!,
    maxAdverseFundings: parseIntFlag('--max-adverse-fundings', flags.maxAdverseFundings, 1, 1000)!,
    ...(flags.lever !== undefined ? { lever: flags.lever } : {}),
  };
  if (!(Number(settings.size) > 0))
    throw new ValidationError('--size', `'${flags.size}' is not a positive size`, 'e.g. --size 0.01');
  const stepMs = parseIntFlag('--step-ms', flags.stepMs, 10, 86_400_000)!;
  const balances = { USDT: 100_000, [spot.split('-')[0]!]: 0 };
  if (mode === 'backtest') {
    const name = (flags.venue ?? 'okx').split('=')[0]!;
    const rep = await basisBacktestFromStore({
      dir: flags.dir ?? defaultDataDir(),
      venue: name,
      spotInstId: spot,
      swapInstId: swap,
      ...(flags.ctVal !== undefined ? { ctVal: flags.ctVal } : {}),
      bot: { ...settings, fees: parseFees(flags.fees ?? '0.001,0.0005')! },
      balances,
      stepMs,
    });
    if (flags.json) {
      io.out(`${JSON.stringify(rep, null, 2)}\n`);
      return;
    }
    io.out(
      `replayed ${rep.events} recorded books of ${spot} and ${swap} (${new Date(rep.from).toISOString()} to ${new Date(rep.to).toISOString()}), ${rep.steps} decisions, ${rep.fundings} fundings settled\n`,
    );
    for (const d of rep.decisions) io.out(`${new Date(d.ts).toISOString()} ${d.decision}\n`);
    io.out(`state ${rep.state}; ${pnlLine(rep.pnl)}\n`);
    return;
  }
  if (!flags.venue)
    throw new ValidationError('--venue', 'is required', 'e.g. --venue okx=http://127.0.0.1:8080');
  const v = parseVenue(flags.venue, flags as unknown as ArbFlags);
  if (v.kind !== 'okx')
    throw new ValidationError('--venue', 'the basis bot trades an OKX-compatible venue', 'give name=url');
  const seconds = parseIntFlag('--seconds', flags.seconds, 1, 10_000_000);
  const every = parseIntFlag('--every', flags.every, 1, 3600)!;
  const dir = flags.dir ?? defaultDataDir();
  const fees = parseFees(flags.fees);
  const session = await BasisSession.start({
    name: v.name,
    url: v.url!,
    ...(v.credentials ? { credentials: v.credentials } : {}),
    spotInstId: spot,
    swapInstId: swap,
    ...(fees ? { fees } : {}),
    bot: settings,
    mode,
    stepMs,
    ...(flags.record && mode === 'scan' ? { storeDir: dir } : {}),
    journalDir: join(okxkitHome(), 'arb-journal'),
    paperBalances: balances,
  });
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const done = seconds === undefined ? undefined : setTimeout(stop, seconds * 1000);
  const table = flags.json
    ? undefined
    : setInterval(() => {
        if (session.latest)
          io.out(
            formatTable([edgeRow(session.latest)], EDGE_COLUMNS) +
              (session.lastDecision ? `${session.lastDecision}\n` : ''),
          );
      }, every * 1000);
  await new Promise<void>((resolve) => ac.signal.addEventListener('abort', () => resolve(), { once: true }));
  clearTimeout(done);
  clearInterval(table);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  const s = await session.stop();
  if (s.state === 'exiting') process.exitCode = 2;
  if (flags.json) {
    io.out(`${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  io.out(
    `${spot} / ${swap} over ${s.steps} steps (taker fees spot ${s.fees.spot}, swap ${s.fees.swap} from ${s.fees.source}${s.fees.level ? ` ${s.fees.level}` : ''}); best entry edge:\n`,
  );
  if (s.best) io.out(formatTable([edgeRow(s.best)], EDGE_COLUMNS));
  for (const d of s.decisions) io.out(`${new Date(d.ts).toISOString()} ${d.decision}\n`);
  if (mode !== 'scan') io.out(`state ${s.state}; ${pnlLine(s.pnl)}\n`);
  if (flags.record && mode === 'scan')
    io.out(`taped ${s.bookRows} book snapshots and ${s.fundingRows} settled fundings into ${dir}\n`);
  if (s.state === 'exiting') io.out('an exit is not complete: a leg did not fill (see the journal)\n');
}

function addBasisFlags(cmd: Command): Command {
  return cmd
    .option(
      '--venue <name=url>',
      'the OKX-compatible venue, e.g. okx=http://127.0.0.1:8080 (backtest: its name)',
    )
    .option('--spot <instId>', 'the spot instrument', 'BTC-USDT')
    .option('--swap <instId>', 'the perpetual swap (default: <spot>-SWAP)')
    .option('--size <n>', 'position size in the base currency', '0.01')
    .option('--borrow-rate <r>', 'yearly rate of the money behind the spot leg (0.05 = 5 %)', '0.05')
    .option('--horizon-hours <h>', 'hours of funding counted at entry', '24')
    .option('--min-edge-bps <n>', 'least net edge over the horizon to enter', '0')
    .option('--min-margin-ratio <n>', "exit when the short's margin ratio falls below this", '3')
    .option(
      '--max-adverse-fundings <n>',
      'exit after this many settled fundings in a row against the short',
      '2',
    )
    .option('--lever <n>', 'cross leverage set on the swap before entering')
    .option(
      '--fees <spot,swap>',
      'taker fees when the venue cannot report its tier (backtest default 0.001,0.0005)',
    )
    .option('--sim-keys', "use the local exchange's fake trade key (loopback only)")
    .option('--seconds <n>', 'stop after n seconds (default: until Ctrl-C)')
    .option('--every <s>', 'print the edge every s seconds', '1')
    .option('--step-ms <ms>', 'a decision every this many ms (of book time in a backtest)', '1000')
    .option('--dir <path>', 'store folder (default: OKXKIT_DATA_DIR or $OKXKIT_HOME/market-data)')
    .option('--no-record', 'scan: do not tape the books and fundings')
    .option('--json', 'print the summary as JSON only');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}
