import {
  assetBalanceSchema,
  assetBillSchema,
  type AssetBalance,
  type AssetBill,
} from '../../protocol/schemas/asset.js';
import type { RestCaller } from '../caller.js';

const balanceArray = assetBalanceSchema.array();
const billArray = assetBillSchema.array();

/** Query of GET /api/v5/asset/bills (funding-account ledger): filters and `after`/`before` paging. */
export interface AssetBillsParams {
  ccy?: string;
  type?: string;
  clientId?: string;
  after?: string | number;
  before?: string | number;
  limit?: number;
  /** 1 = by ts (default), 2 = by billId. */
  pagingType?: '1' | '2';
}

/** Funding account (asset/*). */
export class AssetApi {
  constructor(private readonly c: RestCaller) {}

  /** Funding-account balances (> 0 only); ccy: up to 20, comma-separated. */
  balances(ccy?: string): Promise<AssetBalance[]> {
    return this.c.call('asset.balances', { query: { ccy } }, balanceArray);
  }

  /** Funding-account fund flow (deposits, withdrawals, transfers), past month, newest first. */
  bills(params: AssetBillsParams = {}): Promise<AssetBill[]> {
    return this.c.call('asset.bills', { query: { ...params } }, billArray);
  }
}
