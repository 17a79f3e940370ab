import { Decimal } from 'decimal.js';
import type { SimKey } from '../../src/sim/contracts.js';
import type { Simulator } from '../../src/sim/simulator.js';
import { simFetch } from '../helpers/sim.js';

export const T0 = Date.parse('2026-03-01T12:00:00.000Z');

/** A fake key per account: `fake-key-<account>`, trade permission, no IP binding. */
export function fakeKey(account: string, over: Partial<SimKey> = {}): SimKey {
  return {
    apiKey: `fake-key-${account}-0001`,
    secretKey: `fake-secret-${account}-0001`,
    passphrase: 'Fake Pass!',
    perm: 'read_only,trade',
    ip: '',
    label: account,
    demo: false,
    account,
    ...over,
  };
}

/** Accounts with the same opening balances, one trade key each (labelled by account). */
export function accountsConfig(
  names: string[],
  balances: Record<string, string> = { USDT: '100000', BTC: '2', ETH: '20' },
) {
  return {
    keys: names.map((n) => fakeKey(n)),
    accounts: Object.fromEntries(
      names.map((n) => [n, { balances: { ...balances }, funding: { USDT: '500' } }]),
    ),
  };
}

export async function post(
  sim: Simulator,
  label: string,
  path: string,
  body: unknown,
  headers?: Record<string, string>,
) {
  return simFetch(sim, label, 'POST', path, { body, headers });
}

export async function get(sim: Simulator, label: string, path: string) {
  return simFetch(sim, label, 'GET', path);
}

export async function place(sim: Simulator, label: string, order: Record<string, unknown>) {
  const r = await post(sim, label, '/api/v5/trade/order', { tdMode: 'cash', ...order });
  return r.json;
}

export async function order(sim: Simulator, label: string, instId: string, ordId: string) {
  const r = await get(sim, label, `/api/v5/trade/order?instId=${instId}&ordId=${ordId}`);
  return r.json.data[0];
}

export interface Bal {
  cashBal: Decimal;
  availBal: Decimal;
  frozenBal: Decimal;
  eq: Decimal;
}

export async function balances(sim: Simulator, label: string): Promise<Record<string, Bal>> {
  const r = await get(sim, label, '/api/v5/account/balance');
  const out: Record<string, Bal> = {};
  for (const d of r.json.data[0].details) {
    out[d.ccy] = {
      cashBal: new Decimal(d.cashBal),
      availBal: new Decimal(d.availBal),
      frozenBal: new Decimal(d.frozenBal),
      eq: new Decimal(d.eq),
    };
  }
  return out;
}

/** Every currency: cashBal = eq = availBal + frozenBal, nothing negative. */
export function assertConsistent(b: Record<string, Bal>): void {
  for (const [ccy, x] of Object.entries(b)) {
    if (!x.cashBal.eq(x.availBal.plus(x.frozenBal)))
      throw new Error(`${ccy}: cashBal ${x.cashBal} != avail ${x.availBal} + frozen ${x.frozenBal}`);
    if (!x.eq.eq(x.cashBal)) throw new Error(`${ccy}: eq != cashBal`);
    if (x.availBal.lt(0) || x.frozenBal.lt(0)) throw new Error(`${ccy}: negative balance`);
  }
}
