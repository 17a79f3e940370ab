/** The spot instrument between two currencies as OKX lists it (quoted in USDT, USDC, USD, EUR, then BTC, ETH). */
export function spotId(x: string, y: string): string {
  const rank = (c: string) => ['USDT', 'USDC', 'USD', 'EUR', 'BTC', 'ETH'].indexOf(c);
  const rx = rank(x);
  const ry = rank(y);
  if (rx === -1) return `${x}-${y}`;
  if (ry === -1) return `${y}-${x}`;
  return rx < ry ? `${y}-${x}` : `${x}-${y}`;
}
