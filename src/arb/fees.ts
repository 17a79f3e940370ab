import type { OkxClient } from '../client/okx-client.js';
import { OkxkitError } from '../util/errors.js';

/** A venue's taker fee rates (fractions, positive = charged) and where they came from. */
export interface TakerFees {
  spot: number;
  swap: number;
  /** The account's fee tier, e.g. "Lv1". */
  level: string;
  source: 'trade-fee endpoint' | 'given';
}

/**
 * The account's taker rates from GET /api/v5/account/trade-fee (docs/OKX-PROTOCOL.md §11): OKX
 * states a charge as a negative rate; a rebate (positive) counts as zero cost here. USDT-margined
 * contracts use `takerU`.
 */
export async function fetchTakerFees(client: OkxClient): Promise<TakerFees> {
  const [spot] = await client.api.account.tradeFee({ instType: 'SPOT' });
  const [swap] = await client.api.account.tradeFee({ instType: 'SWAP' });
  const rate = (v: unknown, what: string): number => {
    const n = Number(v);
    if (typeof v !== 'string' || v === '' || !Number.isFinite(n))
      throw new OkxkitError(`trade-fee: ${what} is missing`, {
        code: 'FEE_UNKNOWN',
        hint: 'give the taker fee explicitly (--taker-fee)',
      });
    return Math.max(0, -n);
  };
  return {
    spot: rate(spot?.taker, 'the SPOT taker rate'),
    swap: rate(swap?.takerU || swap?.taker, 'the SWAP taker rate'),
    level: String(spot?.level ?? ''),
    source: 'trade-fee endpoint',
  };
}
