import type { Command } from 'commander';
import {
  addClientFlags,
  io,
  output,
  parseChoice,
  parseInstFlag,
  withClient,
  type ClientFlags,
} from '../common.js';

const POSITION_COLUMNS = [
  'instId',
  'mgnMode',
  'posSide',
  'pos',
  'avgPx',
  'markPx',
  'liqPx',
  'lever',
  'upl',
  'mgnRatio',
];

/** `okxkit position list|close`: derivatives and margin positions. */
export function register(program: Command): void {
  const position = program.command('position').description('list and close derivatives positions');

  addClientFlags(
    position
      .command('list')
      .description('open positions, e.g. --inst BTC-USDT-SWAP')
      .option('--inst <instId>', 'only this instrument')
      .option('--type <instType>', 'MARGIN | SWAP | FUTURES | OPTION'),
  ).action(async (flags: ClientFlags & { inst?: string; type?: string }) => {
    const instId = flags.inst === undefined ? undefined : parseInstFlag('--inst', flags.inst);
    const instType = parseChoice('--type', flags.type?.toUpperCase(), [
      'MARGIN',
      'SWAP',
      'FUTURES',
      'OPTION',
    ] as const);
    const rows = await withClient(flags, (c) => c.api.account.positions({ instId, instType }));
    output(
      flags,
      rows.filter((p) => p.pos !== '' && Number(p.pos) !== 0),
      POSITION_COLUMNS,
    );
  });

  addClientFlags(
    position
      .command('close')
      .description('close a position at market, e.g. --inst BTC-USDT-SWAP --mgn-mode cross')
      .option('--inst <instId>', 'instrument, e.g. BTC-USDT-SWAP')
      .option('--mgn-mode <mode>', 'cross | isolated', 'cross')
      .option('--pos-side <side>', 'long | short (long/short position mode only)')
      .option(
        '--keep-orders',
        'keep the pending orders of the instrument (default: cancel them with the close)',
      ),
  ).action(
    async (
      flags: ClientFlags & { inst?: string; mgnMode: string; posSide?: string; keepOrders?: boolean },
    ) => {
      const instId = parseInstFlag('--inst', flags.inst);
      const mgnMode = parseChoice('--mgn-mode', flags.mgnMode, ['cross', 'isolated'] as const)!;
      const posSide = parseChoice('--pos-side', flags.posSide, ['long', 'short', 'net'] as const);
      const rows = await withClient(flags, (c) =>
        c.api.trade.closePosition({ instId, mgnMode, posSide, autoCxl: flags.keepOrders !== true }),
      );
      if (flags.json) output(flags, rows, []);
      else io.out(`close requested: ${instId} ${mgnMode}${posSide ? ` ${posSide}` : ''}\n`);
    },
  );
}
