import type { Command } from 'commander';
import { ValidationError } from '../../util/errors.js';
import {
  addClientFlags,
  io,
  isoOf,
  output,
  parseChoice,
  parseDecimalFlag,
  parseInstFlag,
  withClient,
  type ClientFlags,
} from '../common.js';

interface PlaceFlags extends ClientFlags {
  inst?: string;
  side?: string;
  type: string;
  tdMode: string;
  sz?: string;
  posSide?: string;
  reduceOnly?: boolean;
  closeFraction?: string;
  slTriggerPx?: string;
  slOrdPx?: string;
  tpTriggerPx?: string;
  tpOrdPx?: string;
  triggerPx?: string;
  orderPx?: string;
  callbackRatio?: string;
  callbackSpread?: string;
  activePx?: string;
  algoClOrdId?: string;
}

const TYPES = ['conditional', 'oco', 'trigger', 'move_order_stop'] as const;
const ALGO_COLUMNS = [
  'algoId',
  'instId',
  'ordType',
  'side',
  'posSide',
  'sz',
  'slTriggerPx',
  'tpTriggerPx',
  'triggerPx',
  'callbackRatio',
  'state',
  'created',
];

/** A trigger price: a decimal, or relative to the last price ("+2%", "-1.5%"). */
function triggerPx(
  name: string,
  v: string | undefined,
  last: () => Promise<string>,
): Promise<string | undefined> | string | undefined {
  if (v === undefined) return undefined;
  const m = /^([+-])(\d+(?:\.\d+)?)%$/.exec(v);
  if (!m) return parseDecimalFlag(name, v);
  return last().then((px) => {
    const k = Number(m[2]) / 100;
    const f = m[1] === '+' ? 1 + k : 1 - k;
    if (!(f > 0)) throw new ValidationError(name, `'${v}' gives a price of 0 or less`);
    const decimals = (px.split('.')[1] ?? '').length;
    return (Number(px) * f).toFixed(decimals);
  });
}

/** "-1" (market) or a positive decimal. */
function ordPx(name: string, v: string | undefined): string | undefined {
  return v === '-1' ? v : parseDecimalFlag(name, v);
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
/** `okxkit algo place|list|cancel`: stop-loss, take-profit, OCO, trigger and trailing orders held by the exchange. */
export function register(program: Command): void {
  const algo = program
    .command('algo')
    .description('exchange-side stop-loss, take-profit, trigger and trailing orders');

  addClientFlags(
    algo
      .command('place')
      .description(
        'place an algo order, e.g. --inst BTC-USDT-SWAP --side buy --type conditional --sz 1 --sl-trigger-px 70000',
      )
      .option('--inst <instId>', 'instrument')
      .option('--side <side>', 'buy | sell')
      .option('--type <ordType>', TYPES.join(' | '), 'conditional')
      .option('--td-mode <mode>', 'cash | cross | isolated', 'cross')
      .option('--sz <size>', 'contracts (base currency on spot)')
      .option('--pos-side <side>', 'long | short (long/short position mode)')
      .option('--reduce-only', 'only reduce a position')
      .option('--close-fraction <f>', '"1": close the whole position when triggered (instead of --sz)')
      .option('--sl-trigger-px <px>', 'stop-loss trigger price, or relative to the last price: +2%')
      .option('--sl-ord-px <px>', 'stop-loss order price, -1 = market', '-1')
      .option('--tp-trigger-px <px>', 'take-profit trigger price, or relative to the last price: -2%')
      .option('--tp-ord-px <px>', 'take-profit order price, -1 = market', '-1')
      .option('--trigger-px <px>', 'trigger price (type trigger)')
      .option('--order-px <px>', 'order price once triggered, -1 = market (type trigger)', '-1')
      .option('--callback-ratio <r>', 'trailing distance as a ratio, e.g. 0.01 (type move_order_stop)')
      .option('--callback-spread <d>', 'trailing distance in price (type move_order_stop)')
      .option('--active-px <px>', 'trailing activation price (type move_order_stop)')
      .option('--algo-cl-ord-id <id>', 'your id for the algo order'),
  ).action(async (flags: PlaceFlags) => {
    const instId = parseInstFlag('--inst', flags.inst);
    const side = parseChoice('--side', flags.side, ['buy', 'sell'] as const);
    if (!side) throw new ValidationError('--side', 'is required', 'buy or sell');
    const ordType = parseChoice('--type', flags.type, TYPES)!;
    const tdMode = parseChoice('--td-mode', flags.tdMode, ['cash', 'cross', 'isolated'] as const)!;
    const sz = parseDecimalFlag('--sz', flags.sz);
    if (sz === undefined && flags.closeFraction === undefined)
      throw new ValidationError(
        '--sz',
        'is required',
        'give --sz N, or --close-fraction 1 to close the whole position',
      );
    // Relative triggers ("+2%") read the last price once, from the same exchange.
    let lastPx: Promise<string> | undefined;
    const last = () => (lastPx ??= withClient(flags, async (c) => (await c.market.ticker(instId)).last));
    const sl = await triggerPx('--sl-trigger-px', flags.slTriggerPx, last);
    const tp = await triggerPx('--tp-trigger-px', flags.tpTriggerPx, last);
    const req: Record<string, unknown> = { instId, side, ordType, tdMode };
    if (sz !== undefined) req.sz = sz;
    if (flags.closeFraction !== undefined) req.closeFraction = flags.closeFraction;
    const posSide = parseChoice('--pos-side', flags.posSide, ['long', 'short', 'net'] as const);
    if (posSide) req.posSide = posSide;
    if (flags.reduceOnly) req.reduceOnly = true;
    if (flags.algoClOrdId) req.algoClOrdId = flags.algoClOrdId;
    if (ordType === 'conditional' || ordType === 'oco') {
      if (!sl && !tp)
        throw new ValidationError('--sl-trigger-px', 'give --sl-trigger-px and/or --tp-trigger-px');
      if (sl) Object.assign(req, { slTriggerPx: sl, slOrdPx: ordPx('--sl-ord-px', flags.slOrdPx) });
      if (tp) Object.assign(req, { tpTriggerPx: tp, tpOrdPx: ordPx('--tp-ord-px', flags.tpOrdPx) });
    } else if (ordType === 'trigger') {
      const trig = await triggerPx('--trigger-px', flags.triggerPx, last);
      if (!trig) throw new ValidationError('--trigger-px', 'is required for a trigger order');
      Object.assign(req, { triggerPx: trig, orderPx: ordPx('--order-px', flags.orderPx) });
    } else {
      const ratio = parseDecimalFlag('--callback-ratio', flags.callbackRatio);
      const spread = parseDecimalFlag('--callback-spread', flags.callbackSpread);
      if (!ratio && !spread)
        throw new ValidationError(
          '--callback-ratio',
          'give --callback-ratio or --callback-spread for a trailing stop',
        );
      if (ratio) req.callbackRatio = ratio;
      if (spread) req.callbackSpread = spread;
      const active = parseDecimalFlag('--active-px', flags.activePx);
      if (active) req.activePx = active;
    }
    const rows = await withClient(flags, (c) =>
      c.api.algo.place(req as Parameters<typeof c.api.algo.place>[0]),
    );
    if (flags.json) output(flags, rows, []);
    else io.out(`algo order placed: ${rows[0]?.algoId ?? '?'} (${ordType} ${side} ${instId})\n`);
  });

  addClientFlags(
    algo
      .command('list')
      .description('pending algo orders')
      .option('--inst <instId>', 'only this instrument')
      .option('--type <ordType>', `${TYPES.join(' | ')} (default: all)`),
  ).action(async (flags: ClientFlags & { inst?: string; type?: string }) => {
    const instId = flags.inst === undefined ? undefined : parseInstFlag('--inst', flags.inst);
    const types = flags.type
      ? [parseChoice('--type', flags.type, TYPES)!]
      : ['conditional,oco', 'trigger', 'move_order_stop'];
    const rows = await withClient(flags, async (c) => {
      const out = [];
      for (const ordType of types) out.push(...(await c.api.algo.ordersPending({ ordType, instId })));
      return out;
    });
    output(
      flags,
      rows.map((r) => ({ ...r, created: isoOf(r.cTime) })),
      ALGO_COLUMNS,
      rows,
    );
  });

  addClientFlags(
    algo
      .command('cancel')
      .description('cancel an algo order, e.g. --inst BTC-USDT-SWAP --algo-id 123')
      .option('--inst <instId>', 'instrument')
      .option('--algo-id <id>', 'exchange algo id')
      .option('--algo-cl-ord-id <id>', 'your algo order id'),
  ).action(async (flags: ClientFlags & { inst?: string; algoId?: string; algoClOrdId?: string }) => {
    const instId = parseInstFlag('--inst', flags.inst);
    if (!flags.algoId && !flags.algoClOrdId)
      throw new ValidationError('--algo-id', 'give --algo-id or --algo-cl-ord-id');
    const rows = await withClient(flags, (c) =>
      c.api.algo.cancel([{ instId, algoId: flags.algoId, algoClOrdId: flags.algoClOrdId }]),
    );
    if (flags.json) output(flags, rows, []);
    else io.out(`cancel requested: ${flags.algoId ?? flags.algoClOrdId} on ${instId}\n`);
  });
}
