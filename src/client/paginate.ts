import type { z } from 'zod';
import { API_SPECS } from '../protocol/api/index.js';
import { ENDPOINTS, type EndpointId } from '../protocol/endpoints.js';
import { ValidationError } from '../util/errors.js';
import { checkRequest, type ApiRequest, type ApiRow } from './api.js';
import type { Query, RestCaller } from './caller.js';

export interface PageOptions {
  /** 'older' (default) walks back with `after` = the oldest cursor seen; 'newer' walks forward with `before`. */
  direction?: 'older' | 'newer';
  /** Stop after this many requests; default 10. */
  maxPages?: number;
  /** Stop after this many rows; default unlimited (bounded by maxPages). */
  maxItems?: number;
}

function cursorOf(row: unknown, cursor: string | number): string | undefined {
  const v = Array.isArray(row) ? row[cursor as number] : (row as Record<string, unknown>)?.[cursor as string];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Walks a paged endpoint with OKX's `after` / `before` cursors (docs/ENDPOINTS.md): each page
 * asks for the endpoint's largest page unless `limit` is given, and the next page starts from
 * the last page's oldest (or newest) row. Stops on an empty or short page, a cursor that does
 * not move, `maxPages` or `maxItems`. Rows are yielded in the order OKX sends them.
 */
export async function* paginate<Id extends EndpointId>(
  caller: RestCaller,
  id: Id,
  params: ApiRequest<Id>,
  opts: PageOptions = {},
): AsyncGenerator<ApiRow<Id>> {
  const def = ENDPOINTS[id];
  if (!def.paging) {
    const paged = Object.values(ENDPOINTS)
      .filter((e) => e.paging)
      .map((e) => e.id);
    throw new ValidationError('id', `${id} does not page`, `paged endpoints: ${paged.join(', ')}`);
  }
  const maxPages = opts.maxPages ?? 10;
  const maxItems = opts.maxItems ?? Infinity;
  if (!(Number.isInteger(maxPages) && maxPages > 0))
    throw new ValidationError('maxPages', `'${String(opts.maxPages)}' is not a positive integer`);
  if (!(maxItems > 0)) throw new ValidationError('maxItems', `'${String(opts.maxItems)}' is not positive`);
  const spec = API_SPECS[id] as { req: z.ZodType; res: z.ZodType; kind: 'data' | 'item' | 'batch' };
  const rows = spec.res.array();
  const base = { ...(params as Record<string, unknown>) };
  const limit = base.limit === undefined ? def.paging.maxLimit : Number(base.limit);
  if (!(limit > 0 && limit <= def.paging.maxLimit))
    throw new ValidationError('limit', `'${String(base.limit)}' is not in 1..${def.paging.maxLimit}`);
  base.limit = limit;
  checkRequest(spec.req, base, `${def.method} ${def.path}`);
  const older = (opts.direction ?? 'older') === 'older';
  let emitted = 0;
  let last: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const data = (await caller.call(id, { query: base as Query }, rows, spec.kind)) as ApiRow<Id>[];
    for (const r of data) {
      yield r;
      if (++emitted >= maxItems) return;
    }
    if (data.length < limit) return;
    const edge = older ? data[data.length - 1] : data[0];
    const next = cursorOf(edge, def.paging.cursor);
    if (next === undefined || next === last) return;
    last = next;
    if (older) {
      base.after = next;
      delete base.before;
    } else {
      base.before = next;
      delete base.after;
    }
  }
}
