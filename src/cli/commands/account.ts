import type { Command } from 'commander';
import { addClientFlags, io, isoOf, output, parseIntFlag, withClient, type ClientFlags } from '../common.js';

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
}
