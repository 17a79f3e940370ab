import { OkxClient } from '../client/okx-client.js';
import { checkKeyBeforeTrading } from '../security/doctor.js';
import { startSimulator } from '../sim/simulator.js';
import { OkxExchange } from '../trading/okx-exchange.js';
import { parseBotConfig, type GridConfig } from '../bots/config.js';
import { dec, toStep } from '../bots/money.js';
import type { BotSummary } from '../bots/runner.js';
import { runBot } from '../bots/run-bot.js';
import type { TradingStack } from '../bots/session.js';
import type { StatusOutput } from '../bots/status-view.js';
import type { Logger } from '../util/logger.js';

export interface DemoOptions {
  /** Order lifecycle logs (each line with the order's clOrdId as `corr`). */
  logger?: Logger;
  /** The REST client's logger (request lines when asked for). */
  clientLogger?: Logger;
  /** How long the bot runs. Default 60. */
  seconds?: number;
  /** The local market's seed: same seed, same prices. Default 1. */
  seed?: number;
  /** Half-width of the grid around the current price, in percent. Default 1. */
  rangePct?: string;
  /** Price levels. Default 10: a spacing of about 0.22 %, wider than two maker fees (2 x 0.08 %). */
  levels?: number;
  /** Quote invested across the levels. Default 2000 USDT. */
  investment?: string;
  out?: StatusOutput;
  tty?: boolean;
  signal?: AbortSignal;
  /** The local market's step (ms). Default 100. */
  tickMs?: number;
  /** Notes for people (where the exchange listens, the grid chosen). */
  note?: (text: string) => void;
}

/** A grid over [price - r%, price + r%] on the instrument's tick. */
export function demoGridConfig(
  last: string,
  tickSz: string,
  rangePct = '1',
  levels = 10,
  investment = '2000',
): GridConfig {
  const r = dec(rangePct).div(100);
  return parseBotConfig('grid', {
    id: 'demogrid',
    instId: 'BTC-USDT',
    lower: toStep(dec(last).mul(dec(1).minus(r)), tickSz, 'down'),
    upper: toStep(dec(last).mul(dec(1).plus(r)), tickSz, 'up'),
    levels,
    mode: 'arithmetic',
    investment,
    risk: { maxOpenOrders: levels + 5 },
  });
}

/**
 * `npm run demo`: starts the local exchange in-process and runs a grid bot on BTC-USDT around the
 * current price through exactly the live path (OkxClient with the local "trade" key, key audit,
 * guard, journal, risk, dead-man's switch); only the URL and the credentials differ from OKX.
 */
export async function runDemo(opts: DemoOptions = {}): Promise<BotSummary> {
  const sim = await startSimulator({ seed: opts.seed ?? 1, ...(opts.tickMs ? { tickMs: opts.tickMs } : {}) });
  const credentials = sim.credentials('trade');
  const client = new OkxClient({
    baseUrl: sim.restUrl,
    credentials,
    ...(opts.clientLogger ? { logger: opts.clientLogger } : {}),
  });
  try {
    const probe = new OkxExchange({ client });
    const [inst, ticker] = await Promise.all([probe.instrument('BTC-USDT'), probe.ticker('BTC-USDT')]);
    const config = demoGridConfig(ticker.last, inst.tickSz, opts.rangePct, opts.levels, opts.investment);
    opts.note?.(
      `local exchange at ${sim.restUrl} (seed ${opts.seed ?? 1}); grid on BTC-USDT ${config.lower}..${config.upper}, ` +
        `${config.levels} levels, ${config.investment} USDT, for ${opts.seconds ?? 60} s\n`,
    );
    let stack: TradingStack | undefined;
    const summary = await runBot({
      config,
      client,
      keyCheck: () => checkKeyBeforeTrading(client, { warn: (t) => opts.note?.(t) }),
      statePath: ':memory:',
      journalPath: ':memory:',
      seconds: opts.seconds ?? 60,
      cancelOnExit: true,
      // Prices and order updates stream over the WebSocket; REST polls only while it is down.
      streams: { credentials },
      pollMs: 250,
      ...(opts.out ? { out: opts.out } : {}),
      ...(opts.tty !== undefined ? { tty: opts.tty } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      lineEveryMs: 5000,
      ...(opts.logger ? { logger: opts.logger } : {}),
      onStack: (s) => (stack = s),
    });
    if (stack) opts.note?.(streamLine(stack));
    return summary;
  } finally {
    await client.close();
    await sim.close();
  }
}

/** How order news reached the bot and its risk manager: by stream or by REST, and how late. */
export function streamLine(stack: TradingStack): string {
  const st = stack.exchange.orderStream().stats;
  const fills = st.wsFills + st.restFills;
  const avg = fills ? Math.round(st.fillDelayMsSum / fills) : 0;
  return (
    `order updates: ${st.wsOrders} by WebSocket, ${st.restOrders} by REST (${st.staleDropped} stale dropped); ` +
    `trades to risk: ${st.wsFills} by WebSocket, ${st.restFills} by REST` +
    (fills ? `, ${avg} ms after the exchange fill on average (max ${st.fillDelayMsMax} ms)` : '') +
    '\n'
  );
}
