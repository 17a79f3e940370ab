import type { Command } from 'commander';
import { addClientFlags, io, output, withClient, type ClientFlags } from '../common.js';

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
