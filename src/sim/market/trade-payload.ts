import type { PublicTrade } from '../contracts.js';

/** A public trade as OKX sends it on GET /market/trades and the trades channels: all strings (docs/OKX-PROTOCOL.md §7.2). */
export function tradePayload(t: PublicTrade): Record<string, string> {
  return { instId: t.instId, tradeId: t.tradeId, px: t.px, sz: t.sz, side: t.side, ts: String(t.ts) };
}
