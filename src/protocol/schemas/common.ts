import { z } from 'zod';

/**
 * Building blocks for OKX V5 response schemas. Every scalar OKX sends is a string (docs/OKX-PROTOCOL.md §7), so
 * a number or null where a string belongs is a schema error, never silently coerced. Objects are
 * loose: OKX adds fields without notice and a new field must not break a running bot.
 */

/** A wire string: decimals, ids, enums as OKX sends them ("" where not applicable). */
export const str = z.string();
/** A millisecond timestamp string, e.g. "1597026383085". */
export const msTs = z.string().regex(/^\d+$/, 'expected a unix ms timestamp string');
/** A string field that some responses (or older API versions) omit. */
export const optStr = z.string().optional();

/** The REST envelope (docs/OKX-PROTOCOL.md §4.1): code is a string, "0" = success; trade endpoints add inTime/outTime. */
export const envelopeSchema = z.looseObject({
  code: z.string(),
  msg: z.string().optional(),
  data: z.unknown().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** Per-item result of order-type endpoints: sCode "0" = accepted (docs/OKX-PROTOCOL.md §7.1). */
export const itemResultSchema = z.looseObject({
  sCode: z.string(),
  sMsg: z.string(),
  ordId: optStr,
  clOrdId: optStr,
  tag: optStr,
  ts: optStr,
});
export type ItemResult = z.infer<typeof itemResultSchema>;
