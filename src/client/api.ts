import type { z } from 'zod';
import { API_SPECS, type ApiSpecs } from '../protocol/api/index.js';
import { ENDPOINTS, type EndpointId } from '../protocol/endpoints.js';
import { ValidationError } from '../util/errors.js';
import type { Query, RestCaller } from './caller.js';

type SectionOf<Id> = Id extends `${infer S}.${string}` ? S : never;
type NameOf<Id> = Id extends `${string}.${infer N}` ? N : never;

/** What an endpoint takes: its query parameters (GET) or body (POST), as the catalogue types it. */
export type ApiRequest<Id extends EndpointId> = z.input<ApiSpecs[Id]['req']>;
/** One row of an endpoint's `data`. */
export type ApiRow<Id extends EndpointId> = z.output<ApiSpecs[Id]['res']>;

export interface ApiCallOptions {
  /** Absolute server-time deadline, unix ms, for endpoints that honour expTime (ignored elsewhere). */
  expTime?: number;
}

type ApiMethod<Id extends EndpointId> =
  Record<never, never> extends ApiRequest<Id>
    ? (req?: ApiRequest<Id>, opts?: ApiCallOptions) => Promise<ApiRow<Id>[]>
    : (req: ApiRequest<Id>, opts?: ApiCallOptions) => Promise<ApiRow<Id>[]>;

/**
 * One method per catalogued endpoint, grouped by OKX section: `api.account.setLeverage({...})`,
 * `api.public.fundingRate({ instId })`. Each checks its request against the endpoint's schema
 * (a ValidationError names the field), then goes through the client's one signed, limited,
 * envelope- and schema-checked call, and resolves to the rows of `data`.
 */
export type GeneratedApi = {
  [S in SectionOf<EndpointId>]: {
    [Id in EndpointId as SectionOf<Id> extends S ? NameOf<Id> : never]: ApiMethod<Id>;
  };
};

/** Checks a request against a schema; the error names the first bad field and how to fix it. */
export function checkRequest(schema: z.ZodType, value: unknown, what: string): void {
  const r = schema.safeParse(value);
  if (r.success) return;
  const issue = r.error.issues[0]!;
  const field = issue.path.length
    ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.')
    : what;
  const got = issue.path.reduce<unknown>(
    (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    value,
  );
  throw new ValidationError(
    field.replace(/\.\[/g, '['),
    `${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`,
    `see the ${what} parameters in OKX's V5 documentation`,
  );
}

/** Builds the per-section method table from the catalogue and its specs. */
export function buildApi(caller: RestCaller): GeneratedApi {
  const out: Record<string, Record<string, unknown>> = {};
  for (const id of Object.keys(API_SPECS) as EndpointId[]) {
    const def = ENDPOINTS[id];
    const spec = API_SPECS[id] as { req: z.ZodType; res: z.ZodType; kind: 'data' | 'item' | 'batch' };
    const rows = spec.res.array();
    const [section, name] = id.split('.') as [string, string];
    const label = `${def.method} ${def.path}`;
    (out[section] ??= {})[name] = async (req?: unknown, opts: ApiCallOptions = {}) => {
      const value = req ?? (def.batch || id === 'algo.cancel' ? [] : {});
      checkRequest(spec.req, value, label);
      const call =
        def.method === 'GET'
          ? { query: value as Query }
          : { body: value, ...(def.expTime && opts.expTime !== undefined ? { expTime: opts.expTime } : {}) };
      return caller.call(id, call, rows, spec.kind);
    };
  }
  return out as unknown as GeneratedApi;
}
