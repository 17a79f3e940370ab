import { dec, orderFlows, type Dec } from '../money.js';
import type { Instrument, Order } from '../types.js';

/**
 * Contracts (SWAP, FUTURES) as the strategies see them: sizes are in contracts, each worth ctVal
 * of the coin; money moves in the settlement currency. Linear contracts (USDT-settled) are what
 * the strategies trade; the flows below turn a filled contract order into coin and quote amounts
 * so the spot profit arithmetic (quote in, quote out, coin left over at the last price) applies.
 */
export function isContract(inst: Pick<Instrument, 'instType'>): boolean {
  return inst.instType === 'SWAP' || inst.instType === 'FUTURES';
}

/** A perpetual swap (BTC-USDT-SWAP) or a future (BTC-USDT-260327) by its id. */
export function isContractId(instId: string): boolean {
  return /-SWAP$|-\d{6}$/.test(instId);
}

/** Value of one contract in the coin ("1" on spot). */
export function ctVal(inst: Pick<Instrument, 'ctVal'>): Dec {
  return dec(inst.ctVal || '1');
}

/** Coin and quote an order moved (a contract order: contracts x ctVal of coin; the fee is in the settlement currency). */
export function flowsOf(order: Order, inst: Instrument): { base: Dec; quote: Dec; px: string } {
  if (!isContract(inst)) return orderFlows(order, inst);
  const scaled = {
    ...order,
    accFillSz: dec(order.accFillSz || '0')
      .mul(ctVal(inst))
      .toFixed(),
  };
  return orderFlows(scaled, {
    baseCcy: `${inst.baseCcy}\u0000coin`,
    quoteCcy: inst.settleCcy || inst.quoteCcy,
  });
}
