import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Credentials } from '../client/credentials.js';
import { realSleep, systemClock, type Clock, type Sleep } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';
import { parseSimConfig, type SimConfig, type SimMarketConfig } from './config.js';
import { contractFeed } from './contract-feed.js';
import type { SimKey, SimMarketApi, WsServerHandle, WsServerOptions, WsUpgradeNotice } from './contracts.js';
import { MatchingEngine, tradeEnvelope } from './engine/engine.js';
import { Ledger } from './engine/ledger.js';
import { FaultInjector, type FaultSettings } from './faults.js';
import { KeyRegistry } from './keys.js';
import { DEFAULT_MARKET_INSTRUMENTS, defaultDerivativeInstruments, SimMarket } from './market/index.js';
import { SlidingWindowLimiter } from './rate-limiter.js';
import { applyRateLimits, createRestHandler } from './rest/server.js';
import { attachWsServer } from './ws/index.js';
import { ENDPOINTS, type EndpointId } from '../protocol/endpoints.js';

/** Options of `startSimulator`: port, host, seed, clock, tick period (ms), config (keys, accounts, faults) and market. */
export interface SimulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Same seed, same market and same fault decisions. */
  seed?: number;
  config?: SimConfig;
  clock?: Clock;
  /** Market step interval, ms of real time. Default 100. */
  tickMs?: number;
  /** Book pushes carry checksum 0 (production OKX since June 2026). */
  zeroChecksum?: boolean;
  /**
   * Multiplies every REST rate rule's limit (default 1: OKX's rules from the endpoint catalogue).
   * For fetching long histories fast in demos and tests; a client must be given the same scale.
   */
  rateLimitScale?: number;
  faults?: Partial<FaultSettings>;
  /** Waits for the latency fault; default real timers. */
  sleep?: Sleep;
  /** A market of one's own (e.g. a fixed book in a test); default the seeded SimMarket. */
  market?: SimMarketApi;
  /** Attaches the WebSocket server; default the sim's own. */
  attachWs?: (opts: WsServerOptions) => WsServerHandle;
}

/** A running local OKX-compatible exchange: its REST and WebSocket URLs, API keys and controls (tick, faults, close). */
export interface Simulator {
  readonly restUrl: string;
  readonly wsUrls: { wsPublic: string; wsPrivate: string; wsBusiness: string };
  readonly port: number;
  readonly keys: readonly SimKey[];
  key(label: string): SimKey;
  credentials(label: string): Credentials;
  readonly faults: FaultInjector;
  dropWsConnections(): void;
  /**
   * Announces a WS service upgrade: every open /public and /private connection gets
   * `{"event":"notice","code":"64008",...}` and is closed 60 s later by the sim clock (at a tick);
   * connections opened after the notice are not affected. Returns how many were told.
   */
  announceWsUpgrade(opts?: WsUpgradeNotice): number;
  /** WebSocket connections open now (all paths). */
  wsConnectionCount(): number;
  readonly market: SimMarketApi;
  /** Every REST rate rule's limit is multiplied by this (1 = OKX's rules). */
  readonly rateLimitScale: number;
  readonly engine: MatchingEngine;
  readonly server: Server;
  /** The clock the sim was started with (callers' time; server time adds the skew fault). */
  readonly clock: Clock;
  /**
   * Runs one step now: market to the clock, cancel-all-after timers, scheduled WS drops and upgrade
   * notices, announced upgrade closes, book heartbeats.
   */
  tick(): void;
  close(): Promise<void>;
}

/** WS order ops and the REST endpoint whose limits they share (docs/OKX-PROTOCOL.md §2.6, §5). */
const WS_OPS: Record<string, { kind: 'place' | 'cancel' | 'amend'; endpoint: EndpointId }> = {
  order: { kind: 'place', endpoint: 'trade.order' },
  'batch-orders': { kind: 'place', endpoint: 'trade.batchOrders' },
  'cancel-order': { kind: 'cancel', endpoint: 'trade.cancelOrder' },
  'batch-cancel-orders': { kind: 'cancel', endpoint: 'trade.cancelBatchOrders' },
  'amend-order': { kind: 'amend', endpoint: 'trade.amendOrder' },
  'batch-amend-orders': { kind: 'amend', endpoint: 'trade.amendBatchOrders' },
};

// long: wiring: builds the market, ledger, engine, REST and WS servers and their controls in dependency order
/** Starts the local OKX-compatible exchange: REST and WS on one loopback port. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? 1;
  const cfg = parseSimConfig(options.config ?? {});
  const faults = new FaultInjector(seed, { ...cfg.faults, ...options.faults });
  // The server's own clock, which the clock-skew fault moves away from the caller's.
  const serverClock: Clock = { now: () => clock.now() + faults.settings.clockSkewMs };
  const market = options.market ?? defaultMarket(seed, clock, cfg.market);
  const ledger = new Ledger(serverClock, cfg.accounts);
  const engine = new MatchingEngine({
    market,
    ledger,
    clock: serverClock,
    accountModes: cfg.accounts,
    loanTerms: cfg.loans,
    seed,
    noLiquidity: (instId) => faults.settings.noFillInstIds.includes(instId),
  });
  const keys = new KeyRegistry(cfg.keys, ledger);
  const rateLimitScale = options.rateLimitScale ?? 1;
  if (!(Number.isInteger(rateLimitScale) && rateLimitScale >= 1)) {
    throw new ValidationError(
      'rateLimitScale',
      `${rateLimitScale} is not a whole number >= 1`,
      "use 1 for OKX's own limits",
    );
  }
  const limiter = new SlidingWindowLimiter(serverClock, rateLimitScale);
  let ws: WsServerHandle | undefined;
  const dropWsConnections = () => ws?.dropConnections();
  const announceWsUpgrade = (opts?: WsUpgradeNotice) => ws?.announceUpgrade(opts) ?? 0;

  const server = createServer(
    createRestHandler({
      market,
      engine,
      keys,
      clock: serverClock,
      faults,
      limiter,
      sleep: options.sleep ?? realSleep,
      dropWsConnections,
      announceWsUpgrade: () => void announceWsUpgrade(),
    }),
  );
  server.keepAliveTimeout = 5_000;

  const trade = {
    async handle(account: string, op: string, args: Record<string, unknown>[]) {
      const inTime = String(serverClock.now() * 1000);
      const spec = WS_OPS[op];
      if (!spec) return { code: '60013', msg: 'Invalid args', data: [], inTime, outTime: inTime };
      const kind = spec.kind;
      const endpoint = ENDPOINTS[spec.endpoint];
      const limited = applyRateLimits(
        limiter,
        endpoint,
        account,
        new URLSearchParams(),
        endpoint.batch ? args : args[0],
      );
      if (limited) {
        const code = String(limited.body.code);
        return { code, msg: String(limited.body.msg), data: [], inTime, outTime: inTime };
      }
      const items =
        kind === 'place'
          ? engine.placeOrders(account, args)
          : kind === 'cancel'
            ? engine.cancelOrders(account, args)
            : engine.amendOrders(account, args);
      return { ...tradeEnvelope(items, inTime, String(serverClock.now() * 1000)) };
    },
  };
  const attachWs = options.attachWs ?? defaultAttachWs();
  if (attachWs) {
    // WS login windows are judged on server time, like REST timestamps.
    ws = attachWs({
      server,
      market,
      engine,
      keys,
      trade,
      contracts: contractFeed(market, engine, serverClock),
      clock: serverClock,
      zeroChecksum: options.zeroChecksum,
    });
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let lastDrop = clock.now();
  let lastUpgrade = clock.now();
  const tick = () => {
    market.advanceTo(clock.now());
    engine.checkTimers();
    const every = faults.settings.dropWsEveryMs;
    if (every > 0 && clock.now() - lastDrop >= every) {
      lastDrop = clock.now();
      dropWsConnections();
    }
    const upgradeEvery = faults.settings.wsUpgradeEveryMs;
    if (upgradeEvery > 0 && clock.now() - lastUpgrade >= upgradeEvery) {
      lastUpgrade = clock.now();
      announceWsUpgrade();
    }
    ws?.tick();
  };
  const timer = setInterval(tick, options.tickMs ?? 100);
  timer.unref();

  const findKey = (label: string): SimKey => {
    const k = keys.byLabel(label);
    if (!k)
      throw new ValidationError(
        'label',
        `no sim key is labelled "${label}"`,
        `use one of: ${keys.keys.map((x) => x.label).join(', ')}`,
      );
    return k;
  };

  let closed: Promise<void> | undefined;
  return {
    restUrl: `http://${urlHost}:${port}`,
    wsUrls: {
      wsPublic: `ws://${urlHost}:${port}/ws/v5/public`,
      wsPrivate: `ws://${urlHost}:${port}/ws/v5/private`,
      wsBusiness: `ws://${urlHost}:${port}/ws/v5/business`,
    },
    port,
    keys: keys.keys,
    key: findKey,
    credentials: (label) => {
      const k = findKey(label);
      return new Credentials(k.apiKey, k.secretKey, k.passphrase);
    },
    faults,
    dropWsConnections,
    announceWsUpgrade,
    wsConnectionCount: () => ws?.connectionCount() ?? 0,
    market,
    rateLimitScale,
    engine,
    server,
    clock,
    tick,
    close() {
      closed ??= (async () => {
        clearInterval(timer);
        engine.close();
        await ws?.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closed;
    },
  };
}

/** The seeded market: the default spot pairs and the default contracts that follow them. */
function defaultMarket(seed: number, clock: Clock, planted: SimMarketConfig = {}): SimMarketApi {
  const all = [...DEFAULT_MARKET_INSTRUMENTS, ...defaultDerivativeInstruments(clock.now())];
  const ids = new Set(all.map((c) => c.instId));
  for (const [field, map] of [
    ['market.prices', planted.prices],
    ['market.crossOffsetBps', planted.crossOffsetBps],
  ] as const) {
    for (const id of Object.keys(map ?? {}))
      if (!ids.has(id))
        throw new ValidationError(
          `${field}.${id}`,
          'is not an instrument of the local exchange',
          `use one of ${[...ids].join(', ')}`,
        );
  }
  return new SimMarket({
    seed,
    clock,
    instruments: all.map((c) => {
      const price = planted.prices?.[c.instId];
      const offset = planted.crossOffsetBps?.[c.instId];
      return {
        ...c,
        ...(price !== undefined ? { price, exactPrice: true } : {}),
        ...(offset !== undefined ? { crossOffsetBps: offset } : {}),
      };
    }),
  });
}

function defaultAttachWs(): (opts: WsServerOptions) => WsServerHandle {
  return attachWsServer;
}
