import { ExchangeDecimal as Decimal } from '../../util/decimal.js';
import type { SimInstrument } from '../contracts.js';
import type { Derivatives, PosSide } from './derivatives.js';
import type { SimOrder } from './order.js';

/** What a valid contract order reserves and carries, or the sCode that refuses it. */
export type ContractOrderCheck =
  | {
      ok: true;
      contract: NonNullable<SimOrder['contract']>;
      frozenCcy: string;
      freeze: Decimal;
      reduceOnly: boolean;
    }
  | { ok: false; code: string; params: string[] };

const no = (code: string, ...params: string[]): ContractOrderCheck => ({ ok: false, code, params });

/**
 * The checks OKX makes on a SWAP or FUTURES order before it is accepted, in order: account mode
 * (51010 in the spot mode), tdMode (cross / isolated), posSide for the position mode, the price
 * limit (51006), reduce-only against the position (51169), and the margin the opening part needs
 * at the order's price, or the best opposite price for a market order (51008).
 */
export function checkContractOrder(
  derivs: Derivatives,
  account: string,
  inst: SimInstrument,
  o: {
    tdMode: string;
    posSide: string;
    side: 'buy' | 'sell';
    sz: Decimal;
    px: Decimal | null;
    reduceOnly: boolean;
    bestOpposite: Decimal | undefined;
  },
  available: (ccy: string) => Decimal,
): ContractOrderCheck {
  const s = derivs.settings(account);
  if (s.acctLv === '1') return no('51010');
  if (o.tdMode !== 'cross' && o.tdMode !== 'isolated') return no('51000', 'tdMode');
  const mgnMode = o.tdMode;
  let posSide = o.posSide as PosSide | '';
  if (s.posMode === 'net_mode') {
    if (posSide && posSide !== 'net') return no('51000', 'posSide');
    posSide = 'net';
  } else if (posSide !== 'long' && posSide !== 'short') return no('51000', 'posSide');
  if (o.px) {
    const lim = derivs.pricing.priceLimits(inst);
    if ((o.side === 'buy' && o.px.gt(lim.buyLmt)) || (o.side === 'sell' && o.px.lt(lim.sellLmt)))
      return no('51006', lim.buyLmt.toFixed(), lim.sellLmt.toFixed());
  }
  const split = derivs.split(account, inst, mgnMode, posSide, o.side, o.sz);
  const closing =
    posSide !== 'net' &&
    ((posSide === 'long' && o.side === 'sell') || (posSide === 'short' && o.side === 'buy'));
  if (o.reduceOnly || closing) {
    const p = derivs.find(account, inst.instId, mgnMode, posSide);
    // Nothing in that direction to reduce or close.
    if (!p || (posSide === 'net' && split.close.isZero())) return no('51169');
    if (closing && o.sz.gt(p.pos.abs())) return no('51169');
  }
  const open = o.reduceOnly ? new Decimal(0) : split.open;
  const px = o.px ?? o.bestOpposite;
  if (!px) return no('51000', 'px');
  const lever = derivs.lever(account, inst.instId, mgnMode, posSide);
  const freeze = derivs.orderMargin(inst, open, px, lever);
  const ccy = inst.contract!.settleCcy;
  if (available(ccy).lt(freeze)) return no('51008');
  return {
    ok: true,
    frozenCcy: ccy,
    freeze,
    reduceOnly: o.reduceOnly,
    contract: {
      instType: inst.instType,
      tdMode: mgnMode,
      posSide,
      lever: lever.toFixed(),
      pnl: new Decimal(0),
      holdPerUnit: o.sz.isZero() ? new Decimal(0) : freeze.div(o.sz),
    },
  };
}
