import type { Command } from 'commander';
import { CL_ORD_ID_PATTERN } from '../../protocol/cl-ord-id.js';
import { OkxkitError, ValidationError } from '../../util/errors.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OkxClient } from '../../client/okx-client.js';
import { clientOptionsFromEnv, envWithDotEnv, hasCredentialsInEnv } from '../../client/env.js';
import { AuditLog } from '../../security/audit-log.js';
import { defaultAuditLogPath } from '../../security/paths.js';
import type { OrderIntent } from '../../trading/exchange-port.js';
import { Executor } from '../../trading/executor.js';
import { OrderJournal } from '../../trading/journal.js';
import {
  defaultStateDir,
  FileKillStore,
  KillSwitch,
  killScopeFor,
  MemoryKillStore,
} from '../../trading/kill-switch.js';
import { OkxExchange } from '../../trading/okx-exchange.js';
import { OrderGuard } from '../../trading/order-guard.js';
import { dec, toStep } from '../../bots/money.js';
import {
  addClientFlags,
  io,
  isoOf,
  output,
  parseChoice,
  parseDecimalFlag,
  parseInstFlag,
  parseIntFlag,
  openClient,
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
  guard?: boolean;
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

/** The kill switch an order of this client obeys: its venue and key, or "all" for the embedded exchange. */
function cliKillSwitch(h: { client: OkxClient; local: boolean }): KillSwitch {
  if (h.local)
    return new KillSwitch({
      scope: 'sim-embedded',
      store: new MemoryKillStore(),
      allStore: new FileKillStore(),
    });
  return new KillSwitch({
    scope: killScopeFor({
      baseUrl: h.client.baseUrl,
      demo: h.client.demo,
      ...(apiKeyOfEnv() ? { apiKey: apiKeyOfEnv() } : {}),
    }),
  });
}

/** The API key of the environment (its hash names the kill switch scope). */
function apiKeyOfEnv(): string | undefined {
  const env = envWithDotEnv(process.env);
  return hasCredentialsInEnv(env) ? clientOptionsFromEnv(env).credentials?.apiKey : undefined;
}

function haltText(ks: KillSwitch): string | undefined {
  const s = ks.state();
  return s.halted ? `${s.why} (scope ${s.scope ?? ks.scope}, by ${s.by})` : undefined;
}

async function exchange0Close(h: { close(): Promise<void> }): Promise<void> {
  await h.close();
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
/** `okxkit order place|amend|cancel|cancel-all|get|list|fills` (docs/REQUIREMENTS.md R18). */
export function register(program: Command): void {
  const order = program.command('order').description('place, cancel, look up and list orders');

  // long: a CLI command: flags to an order intent (spot and derivative fields), the guarded placement, printing
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
      .option('--tgt-ccy <ccy>', 'spot market orders: base_ccy | quote_ccy')
      .option('--no-guard', 'skip the price band and instrument checks (explicit, audited override)'),
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
    const relPx = flags.px !== undefined && /^[+-]\d+(\.\d+)?%$/.test(flags.px) ? flags.px : undefined;
    const px = relPx ?? parseDecimalFlag('--px', flags.px);
    if (ordType !== 'market' && !px) throw new ValidationError('--px', `is required for ${ordType} orders`);
    const tdMode = parseChoice('--td-mode', flags.tdMode, ['cash', 'cross', 'isolated'] as const)!;
    const tgtCcy = parseChoice('--tgt-ccy', flags.tgtCcy, ['base_ccy', 'quote_ccy'] as const);
    if (flags.clOrdId !== undefined && !CL_ORD_ID_PATTERN.test(flags.clOrdId))
      throw new ValidationError('--cl-ord-id', 'must be 1-32 letters or digits', 'e.g. --cl-ord-id buy1');
    // Every order gets a clOrdId (given, or generated and printed), so an ambiguous outcome can be
    // looked up by it.
    const clOrdId = flags.clOrdId ?? `cli${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    const h = await openClient(flags);
    try {
      const exchange = new OkxExchange({ client: h.client });
      const ks = cliKillSwitch(h);
      const halted = ks.state();
      if (halted.halted)
        throw new OkxkitError(
          `trading is halted for scope ${halted.scope ?? ks.scope}: ${halted.why} (by ${halted.by})`,
          {
            code: 'HALTED',
            hint: `lift it with \`okxkit resume --scope ${halted.scope ?? ks.scope} --why ...\``,
          },
        );
      let price = px;
      if (relPx) {
        const [inst, t] = await Promise.all([exchange.instrument(instId), exchange.ticker(instId)]);
        price = toStep(
          dec(t.last)
            .mul(dec(100).plus(dec(relPx.slice(0, -1))))
            .div(100),
          inst.tickSz,
          side === 'buy' ? 'down' : 'up',
        );
        if (!flags.json) io.out(`price ${relPx} of the last ${t.last}: ${price}\n`);
      }
      const intent: OrderIntent = { instId, tdMode, side, ordType, sz, clOrdId };
      if (price) intent.px = price;
      if (flags.tag) intent.tag = flags.tag;
      if (tgtCcy) intent.tgtCcy = tgtCcy;
      let checked = intent;
      if (flags.guard === false) {
        new AuditLog(defaultAuditLogPath()).append({
          action: 'safety.override',
          details: { flags: ['--no-guard'], instId, side, ordType, sz, px: price ?? '', clOrdId },
          why: 'okxkit order place --no-guard: price band and instrument checks skipped',
        });
        process.stderr.write(
          'WARNING: --no-guard: the price band and instrument checks are skipped (audited)\n',
        );
      } else {
        const guard = new OrderGuard({ market: exchange, risk: { haltReason: () => haltText(ks) } });
        checked = await guard.check(intent);
      }
      const journalPath = h.local ? ':memory:' : join(defaultStateDir(), 'cli-orders.journal.sqlite');
      if (journalPath !== ':memory:') mkdirSync(dirname(journalPath), { recursive: true });
      const journal = new OrderJournal(journalPath);
      try {
        const executor = new Executor({ venue: exchange, journal });
        if (!flags.json) io.out(`clOrdId ${clOrdId}\n`);
        const o = await executor.place(checked);
        output(flags, [{ ...o, created: isoOf(String(o.cTime)) }], ORDER_COLUMNS, o);
      } catch (err) {
        if (err instanceof OkxkitError && !err.message.includes(clOrdId))
          err.message = `${err.message} (clOrdId ${clOrdId}: look it up with \`okxkit order get --inst ${instId} --cl-ord-id ${clOrdId}\`)`;
        throw err;
      } finally {
        journal.close();
      }
    } finally {
      await exchange0Close(h);
    }
  });

  withRef(
    order
      .command('amend')
      .description('change the price or size of an open order')
      .option('--new-px <price>', 'new limit price')
      .option('--new-sz <size>', 'new total size'),
  ).action(async (flags: RefFlags & { newPx?: string; newSz?: string }) => {
    const r = ref(flags);
    const newPx = parseDecimalFlag('--new-px', flags.newPx);
    const newSz = parseDecimalFlag('--new-sz', flags.newSz);
    if (!newPx && !newSz) throw new ValidationError('--new-px', 'give --new-px or --new-sz (or both)');
    const res = await withClient(flags, async (c) => {
      const ks = cliKillSwitch({ client: c, local: !flags.baseUrl && !process.env.OKX_BASE_URL });
      const why = haltText(ks);
      if (why !== undefined) throw new OkxkitError(`trading is halted: ${why}`, { code: 'HALTED' });
      return c.trade.amendOrder({ ...r, ...(newPx ? { newPx } : {}), ...(newSz ? { newSz } : {}) });
    });
    output(flags, [res], ['ordId', 'clOrdId', 'sCode', 'sMsg'], res);
    if (!flags.json) io.out('accepted: confirm with `okxkit order get`\n');
  });

  addClientFlags(
    order
      .command('cancel-all')
      .description('cancel every open order (of --inst, else of every instrument)')
      .option('--inst <instId>', 'only this instrument'),
  ).action(async (flags: ClientFlags & { inst?: string }) => {
    const instId = flags.inst === undefined ? undefined : parseInstFlag('--inst', flags.inst);
    const result = await withClient(flags, async (c) => {
      const open = await c.trade.ordersPending(instId ? { instId } : {});
      const rows: Array<Record<string, unknown>> = [];
      for (let i = 0; i < open.length; i += 20) {
        const batch = open.slice(i, i + 20).map((o) => ({ instId: o.instId, ordId: o.ordId }));
        try {
          for (const r of await c.trade.cancelBatchOrders(batch)) rows.push({ ...r });
        } catch (err) {
          for (const b of batch)
            rows.push({ ...b, sCode: 'error', sMsg: err instanceof Error ? err.message : String(err) });
        }
      }
      return rows;
    });
    output(flags, result, ['instId', 'ordId', 'clOrdId', 'sCode', 'sMsg'], result);
    const failed = result.filter((r) => r.sCode !== '0' && r.sCode !== undefined && r.sCode !== '');
    if (!flags.json) io.out(`${result.length - failed.length} cancel(s) accepted, ${failed.length} failed\n`);
    if (failed.length) process.exitCode = 1;
  });

  addClientFlags(
    order
      .command('fills')
      .description('recent fills (trades) of the account, newest first')
      .option('--inst <instId>', 'only this instrument')
      .option('--limit <n>', 'how many (1-100)', '100'),
  ).action(async (flags: ClientFlags & { inst?: string; limit: string }) => {
    const instId = flags.inst === undefined ? undefined : parseInstFlag('--inst', flags.inst);
    const limit = parseIntFlag('--limit', flags.limit, 1, 100);
    const rows = await withClient(flags, (c) =>
      c.trade.fills({
        instType: 'SPOT',
        ...(instId ? { instId } : {}),
        ...(limit ? { limit } : {}),
      }),
    );
    output(
      flags,
      rows.map((f) => ({ ...f, time: isoOf(f.ts) })),
      ['instId', 'tradeId', 'ordId', 'clOrdId', 'side', 'fillPx', 'fillSz', 'fee', 'feeCcy', 'time'],
      rows,
    );
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
      output(flags, [{ ...o, created: isoOf(String(o.cTime)) }], ORDER_COLUMNS, o);
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
