import { Decimal as DecimalJs } from 'decimal.js';

/**
 * okxkit's one decimal.js configuration: every money figure (prices, sizes, fees, PnL, balances)
 * in the library, the bots and the local exchange is computed with this constructor, so they all
 * round alike. 40 significant digits hold any OKX amount and its conversions exactly (decimal.js
 * defaults to 20); ties round half up, as OKX prints them. Money never goes through a binary float.
 */
export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_UP });
/** A decimal value (an instance of {@link Decimal}). */
export type Decimal = DecimalJs;
/** Short name for {@link Decimal}, as the money helpers use it. */
export const D = Decimal;

/**
 * The local exchange's arithmetic: 20 significant digits (decimal.js's default, made explicit),
 * which is what its printed figures (e.g. an average fill price of a third) are cut to. Kept apart
 * from {@link Decimal} so the exchange's wire values do not change with the library's precision.
 */
export const ExchangeDecimal = DecimalJs.clone({ precision: 20, rounding: DecimalJs.ROUND_HALF_UP });
/** A decimal value of the local exchange (the same instance type as {@link Decimal}). */
export type ExchangeDecimal = DecimalJs;
