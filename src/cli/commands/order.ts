import type { Command } from 'commander';
import { CL_ORD_ID_PATTERN } from '../../protocol/cl-ord-id.js';
import type { PlaceOrderRequest } from '../../client/groups/trade.js';
import { ValidationError } from '../../util/errors.js';
import {
  addClientFlags,
  io,
  isoOf,
  output,
  parseChoice,
  parseDecimalFlag,
  parseInstFlag,
  parseIntFlag,
  withClient,
  type ClientFlags,
} from '../common.js';

interface PlaceFlags extends ClientFlags {
  inst?: string;
  side?: string;
  type?: string;
  px?: string;
  sz?: string;
  tdMode: string;
  clOrdId?: string;
  tag?: string;
  tgtCcy?: string;
}

interface RefFlags extends ClientFlags {
  inst?: string;
  ordId?: string;
  clOrdId?: string;
}

const ORDER_COLUMNS = [
  'ordId',
  'clOrdId',
  'instId',
  'side',
  'ordType',
  'px',
  'sz',
  'accFillSz',
  'avgPx',
  'state',
  'created',
];

function ref(flags: RefFlags): { instId: string; ordId?: string; clOrdId?: string } {
  const instId = parseInstFlag('--inst', flags.inst);
  if (!flags.ordId && !flags.clOrdId) throw new ValidationError('--ord-id', 'give --ord-id or --cl-ord-id');
  if (flags.clOrdId !== undefined && !CL_ORD_ID_PATTERN.test(flags.clOrdId)) {
    throw new ValidationError('--cl-ord-id', 'must be 1-32 letters or digits');
  }
  return { instId, ordId: flags.ordId, clOrdId: flags.clOrdId };
}

function withRef(cmd: Command): Command {
  return addClientFlags(
    cmd
      .option('--inst <instId>', 'instrument, e.g. BTC-USDT')
      .option('--ord-id <id>', 'exchange order id')
      .option('--cl-ord-id <id>', 'your client order id'),
  );
}

/** `okxkit order place|cancel|get|list` (docs/REQUIREMENTS.md R18). */
export function register(program: Command): void {
  const order = program.command('order').description('place, cancel, look up and list orders');

  addClientFlags(
    order
      .command('place')
      .description('place one order, e.g. --inst BTC-USDT --side buy --type limit --px 60000 --sz 0.001')
      .option('--inst <instId>', 'instrument, e.g. BTC-USDT')
      .option('--side <side>', 'buy | sell')
      .option('--type <ordType>', 'limit | market | post_only | ioc | fok')
      .option('--px <price>', 'limit price (limit, post_only, ioc, fok)')
      .option('--sz <size>', 'size (base currency for spot limit orders)')
      .option('--td-mode <mode>', 'cash | cross | isolated', 'cash')
      .option('--cl-ord-id <id>', 'client order id (1-32 letters or digits)')
      .option('--tag <tag>', 'order tag (1-16 letters or digits)')
      .option('--tgt-ccy <ccy>', 'spot market orders: base_ccy | quote_ccy'),
  ).action(async (flags: PlaceFlags) => {
    const instId = parseInstFlag('--inst', flags.inst);
    const side = parseChoice('--side', flags.side, ['buy', 'sell'] as const);
    if (!side) throw new ValidationError('--side', 'is required', 'buy or sell');
    const ordType = parseChoice('--type', flags.type, [
      'limit',
      'market',
      'post_only',
      'ioc',
      'fok',
    ] as const);
    if (!ordType) throw new ValidationError('--type', 'is required', 'limit, market, post_only, ioc or fok');
    const sz = parseDecimalFlag('--sz', flags.sz);
    if (!sz) throw new ValidationError('--sz', 'is required', 'e.g. --sz 0.001');
    const px = parseDecimalFlag('--px', flags.px);
    if (ordType !== 'market' && !px) throw new ValidationError('--px', `is required for ${ordType} orders`);
    const tdMode = parseChoice('--td-mode', flags.tdMode, ['cash', 'cross', 'isolated'] as const)!;
    const tgtCcy = parseChoice('--tgt-ccy', flags.tgtCcy, ['base_ccy', 'quote_ccy'] as const);
    const req: PlaceOrderRequest = { instId, tdMode, side, ordType, sz };
    if (px) req.px = px;
    if (flags.clOrdId) req.clOrdId = flags.clOrdId;
    if (flags.tag) req.tag = flags.tag;
    if (tgtCcy) req.tgtCcy = tgtCcy;
    const res = await withClient(flags, (c) => c.trade.placeOrder(req));
    output(flags, [res], ['ordId', 'clOrdId', 'sCode', 'sMsg'], res);
  });

  withRef(order.command('cancel').description('cancel one order')).action(async (flags: RefFlags) => {
    const r = ref(flags);
    const res = await withClient(flags, (c) => c.trade.cancelOrder(r));
    output(flags, [res], ['ordId', 'clOrdId', 'sCode', 'sMsg'], res);
    if (!flags.json) io.out('accepted: confirm with `okxkit order get`\n');
  });

  withRef(order.command('get').description('one order by --ord-id or --cl-ord-id')).action(
    async (flags: RefFlags) => {
      const r = ref(flags);
      const o = await withClient(flags, (c) => c.trade.getOrder(r));
      output(flags, [{ ...o, created: isoOf(o.cTime) }], ORDER_COLUMNS, o);
    },
  );

  addClientFlags(
    order
      .command('list')
      .description('open orders (or --history: finished orders of the last 7 days)')
      .option('--inst <instId>', 'only this instrument')
      .option('--history', 'finished orders instead of open ones')
      .option('--inst-type <type>', 'for --history: SPOT | MARGIN | SWAP | FUTURES | OPTION', 'SPOT')
      .option('--limit <n>', 'how many (1-100)', '100'),
  ).action(
    async (flags: ClientFlags & { inst?: string; history?: boolean; instType: string; limit: string }) => {
      const instId = flags.inst === undefined ? undefined : parseInstFlag('--inst', flags.inst);
      const limit = parseIntFlag('--limit', flags.limit, 1, 100);
      const instType = parseChoice('--inst-type', flags.instType, [
        'SPOT',
        'MARGIN',
        'SWAP',
        'FUTURES',
        'OPTION',
      ] as const)!;
      const rows = await withClient(flags, (c) =>
        flags.history
          ? c.trade.ordersHistory({ instType, instId, limit })
          : c.trade.ordersPending({ instId, limit }),
      );
      output(
        flags,
        rows.map((o) => ({ ...o, created: isoOf(o.cTime) })),
        ORDER_COLUMNS,
        rows,
      );
    },
  );
}
