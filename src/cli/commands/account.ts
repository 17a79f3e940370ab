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
  parseIntFlag,
  withClient,
  type ClientFlags,
} from '../common.js';

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
/** `okxkit account balance|config|positions` and `okxkit account funding` (docs/REQUIREMENTS.md R17). */
export function register(program: Command): void {
  const account = program.command('account').description('balances, positions and the key configuration');

  addClientFlags(
    account
      .command('balance')
      .description('trading-account balances')
      .option('--ccy <list>', 'only these currencies, comma-separated'),
  ).action(async (flags: ClientFlags & { ccy?: string }) => {
    const b = await withClient(flags, (c) => c.account.balance(flags.ccy));
    output(flags, b.details, ['ccy', 'eq', 'availBal', 'frozenBal', 'eqUsd'], b);
    if (!flags.json) io.out(`total equity (USD): ${b.totalEq}\n`);
  });

  addClientFlags(
    account
      .command('funding')
      .description('funding-account balances')
      .option('--ccy <list>', 'only these currencies, comma-separated'),
  ).action(async (flags: ClientFlags & { ccy?: string }) => {
    const rows = await withClient(flags, (c) => c.asset.balances(flags.ccy));
    output(flags, rows, ['ccy', 'bal', 'availBal', 'frozenBal']);
  });

  addClientFlags(account.command('positions').description('open positions')).action(
    async (flags: ClientFlags) => {
      const rows = await withClient(flags, (c) => c.account.positions());
      output(flags, rows, ['instId', 'posSide', 'pos', 'avgPx', 'upl', 'lever', 'liqPx']);
    },
  );

  addClientFlags(
    account
      .command('bills')
      .description('account bills (every balance change: trades, fees, transfers), newest first')
      .option('--ccy <ccy>', 'only this currency')
      .option('--limit <n>', 'how many (1-100)', '100'),
  ).action(async (flags: ClientFlags & { ccy?: string; limit: string }) => {
    const limit = parseIntFlag('--limit', flags.limit, 1, 100);
    const rows = await withClient(flags, (c) =>
      c.account.bills({
        ...(flags.ccy ? { ccy: flags.ccy.toUpperCase() } : {}),
        ...(limit ? { limit } : {}),
      }),
    );
    output(
      flags,
      rows.map((b) => ({ ...b, time: isoOf(String(b.ts)) })),
      ['billId', 'ccy', 'type', 'subType', 'balChg', 'bal', 'instId', 'time'],
      rows,
    );
  });

  addClientFlags(
    account.command('config').description("account configuration and this key's permissions and bound IPs"),
  ).action(async (flags: ClientFlags) => {
    const cfg = await withClient(flags, (c) => c.account.config());
    const rows = [
      { field: 'uid', value: cfg.uid },
      { field: 'perm', value: cfg.perm },
      { field: 'ip', value: cfg.ip || '(none: not bound to an IP)' },
      { field: 'label', value: cfg.label ?? '' },
      { field: 'acctLv', value: cfg.acctLv },
      { field: 'posMode', value: cfg.posMode },
    ];
    output(flags, rows, ['field', 'value'], cfg);
  });

  addClientFlags(
    account
      .command('leverage')
      .description('show or set leverage, e.g. --inst BTC-USDT-SWAP --mgn-mode cross --set 5')
      .option('--inst <instId>', 'instrument, e.g. BTC-USDT-SWAP')
      .option('--mgn-mode <mode>', 'cross | isolated', 'cross')
      .option('--pos-side <side>', 'long | short (isolated margin in long/short mode)')
      .option('--set <lever>', 'the leverage to set, e.g. 5'),
  ).action(
    async (flags: ClientFlags & { inst?: string; mgnMode: string; posSide?: string; set?: string }) => {
      const instId = parseInstFlag('--inst', flags.inst);
      const mgnMode = parseChoice('--mgn-mode', flags.mgnMode, ['cross', 'isolated'] as const)!;
      const posSide = parseChoice('--pos-side', flags.posSide, ['long', 'short'] as const);
      const lever = parseDecimalFlag('--set', flags.set);
      const rows = await withClient(flags, async (c) => {
        if (lever !== undefined) await c.api.account.setLeverage({ instId, lever, mgnMode, posSide });
        return c.api.account.leverageInfo({ instId, mgnMode });
      });
      output(flags, rows, ['instId', 'mgnMode', 'posSide', 'lever']);
    },
  );

  addClientFlags(
    account
      .command('mode')
      .description('show or set the account mode and position mode, e.g. --pos-mode long_short_mode')
      .option('--pos-mode <mode>', 'net_mode | long_short_mode')
      .option(
        '--acct-lv <level>',
        '1 spot | 2 spot and futures | 3 multi-currency margin | 4 portfolio margin',
      ),
  ).action(async (flags: ClientFlags & { posMode?: string; acctLv?: string }) => {
    const posMode = parseChoice('--pos-mode', flags.posMode, ['net_mode', 'long_short_mode'] as const);
    const acctLv = parseChoice('--acct-lv', flags.acctLv, ['1', '2', '3', '4'] as const);
    if (flags.posMode !== undefined && !posMode) throw new ValidationError('--pos-mode', 'unknown');
    const cfg = await withClient(flags, async (c) => {
      if (acctLv !== undefined) await c.api.account.setAccountLevel({ acctLv });
      if (posMode !== undefined) await c.api.account.setPositionMode({ posMode });
      return (await c.api.account.config())[0]!;
    });
    const LV: Record<string, string> = {
      '1': 'spot',
      '2': 'spot and futures (single-currency margin)',
      '3': 'multi-currency margin',
      '4': 'portfolio margin',
    };
    output(
      flags,
      [
        { field: 'acctLv', value: `${cfg.acctLv} (${LV[cfg.acctLv] ?? 'unknown'})` },
        { field: 'posMode', value: cfg.posMode },
      ],
      ['field', 'value'],
      { acctLv: cfg.acctLv, posMode: cfg.posMode },
    );
  });
}
