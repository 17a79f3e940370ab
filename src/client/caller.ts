import type { z } from 'zod';
import type { EndpointId } from '../protocol/endpoints.js';

/** Query parameters in the caller's order; undefined values are dropped. */
export type Query = Record<string, string | number | boolean | undefined>;

export interface CallSpec {
  query?: Query;
  body?: unknown;
  /** Absolute server-time deadline in unix ms, sent as the expTime header (docs/OKX-PROTOCOL.md §9). */
  expTime?: number;
}

/**
 * How the `data` of a response is read:
 * - 'data': plain data (market, account...): the array is validated with the schema.
 * - 'item': a single order-type call: code "1" or a non-"0" sCode throws the item's own error.
 * - 'batch': a batch call: code "1"/"2" throws OkxBatchError carrying every item.
 */
export type DataKind = 'data' | 'item' | 'batch';

/** What endpoint groups need from the client: one signed, limited, validated call. */
export interface RestCaller {
  call<T>(id: EndpointId, spec: CallSpec, schema: z.ZodType<T[]>, kind?: DataKind): Promise<T[]>;
  /** Server time estimate (local clock + measured offset), ms. */
  serverNow(): number;
}
