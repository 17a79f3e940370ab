import { z } from 'zod';
import { optStr, str } from './common.js';

/**
 * GET /api/v5/asset/balances  (docs/OKX-PROTOCOL.md §7.3; funding account, only balances > 0)
 * {"code":"0","msg":"","data":[{"availBal":"37.11827078","bal":"37.11827078","ccy":"ETH","frozenBal":"0"}]}
 */
export const assetBalanceSchema = z.looseObject({
  ccy: str,
  bal: str,
  frozenBal: str,
  availBal: str,
});
/** One currency of the funding account (GET /api/v5/asset/balances); amounts are decimal strings. */
export type AssetBalance = z.infer<typeof assetBalanceSchema>;

/**
 * GET /api/v5/asset/bills
 * {"code":"0","msg":"","data":[{"billId":"12344","ccy":"BTC","clientId":"","balChg":"2","bal":"12","type":"1",
 *   "notes":"","ts":"1597026383085"}]}
 */
export const assetBillSchema = z.looseObject({
  billId: str,
  ccy: str,
  balChg: str,
  bal: str,
  type: str,
  ts: str,
  clientId: optStr,
  notes: optStr,
});
/** One funding-account bill (deposit, withdrawal, transfer ...) from GET /api/v5/asset/bills. */
export type AssetBill = z.infer<typeof assetBillSchema>;
