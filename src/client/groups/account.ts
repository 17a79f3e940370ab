import {
  accountBalanceSchema,
  accountBillSchema,
  accountConfigSchema,
  positionSchema,
  type AccountBalance,
  type AccountBill,
  type AccountConfig,
  type Position,
} from '../../protocol/schemas/account.js';
import type { RestCaller } from '../caller.js';

const oneBalance = accountBalanceSchema.array().min(1);
const positionArray = positionSchema.array();
const billArray = accountBillSchema.array();
const oneConfig = accountConfigSchema.array().min(1);

/** Query of GET /api/v5/account/positions: filter by instrument type, instrument ids or position id. */
export interface PositionsParams {
  instType?: 'MARGIN' | 'SWAP' | 'FUTURES' | 'OPTION';
  /** Up to 10, comma-separated. */
  instId?: string;
  posId?: string;
}

/** Query of GET /api/v5/account/bills (trading-account ledger): filters and `after`/`before` paging by bill id. */
export interface AccountBillsParams {
  instType?: string;
  instId?: string;
  ccy?: string;
  mgnMode?: string;
  ctType?: string;
  type?: string;
  subType?: string;
  /** Pagination by billId. */
  after?: string;
  before?: string;
  /** Filter by ts (ms). */
  begin?: string | number;
  end?: string | number;
  /** Max 100. */
  limit?: number;
}

/** Trading account (account/*). */
export class AccountApi {
  constructor(private readonly c: RestCaller) {}

  /** Trading-account balance; ccy: up to 20, comma-separated. */
  async balance(ccy?: string): Promise<AccountBalance> {
    const data = await this.c.call('account.balance', { query: { ccy } }, oneBalance);
    return data[0]!;
  }

  positions(params: PositionsParams = {}): Promise<Position[]> {
    return this.c.call(
      'account.positions',
      { query: { instType: params.instType, instId: params.instId, posId: params.posId } },
      positionArray,
    );
  }

  /** Fund flow of the trading account, last 7 days, newest first. */
  bills(params: AccountBillsParams = {}): Promise<AccountBill[]> {
    return this.c.call('account.bills', { query: { ...params } }, billArray);
  }

  /** Account configuration, including the requesting key's perm and bound ip (docs/OKX-PROTOCOL.md §6). */
  async config(): Promise<AccountConfig> {
    const data = await this.c.call('account.config', {}, oneConfig);
    return data[0]!;
  }
}
