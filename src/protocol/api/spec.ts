import { z } from 'zod';

/**
 * Building blocks for the typed request and response of each catalogued endpoint. Requests are
 * loose objects: the documented fields are checked (presence, type, format), and a parameter
 * OKX adds later still passes through. Responses are the rows of `data`, loose as well: OKX adds
 * fields without notice (see schemas/common.ts).
 */
export type DataKind = 'data' | 'item' | 'batch';

export interface ApiSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  /** GET: the query parameters; POST: the JSON body (an array for batch endpoints). */
  req: Req;
  /** One row of `data`. */
  res: Res;
  /** How `data` is read: plain rows, one order-type item (sCode), or a batch of them. */
  kind: DataKind;
}

export function spec<Req extends z.ZodType, Res extends z.ZodType>(
  req: Req,
  res: Res,
  kind: DataKind = 'data',
): ApiSpec<Req, Res> {
  return { req, res, kind };
}

const DECIMAL = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;
const INST_ID = /^[A-Za-z0-9]+(?:-[A-Za-z0-9.]+)+$/;

/** Request fields. */
export const req = {
  str: z.string().min(1),
  opt: z.string().optional(),
  dec: z.string().regex(DECIMAL, 'expected a decimal string such as "0.001"'),
  optDec: z.string().regex(DECIMAL, 'expected a decimal string such as "0.001"').optional(),
  instId: z.string().regex(INST_ID, 'expected an OKX instrument id such as BTC-USDT-SWAP'),
  optInstId: z.string().regex(INST_ID, 'expected an OKX instrument id such as BTC-USDT-SWAP').optional(),
  /** A number OKX takes as a string in the query (limit, timestamps). */
  num: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).optional(),
  bool: z.boolean().optional(),
  strs: z.array(z.string()).optional(),
  objs: z.array(z.looseObject({})).optional(),
} as const;

/** Query fields shared by the after/before paged endpoints. */
export const pageFields = { after: req.num.or(z.string()), before: req.num.or(z.string()), limit: req.num };

export const instType = z.enum(['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION', 'ANY']);
export const mgnMode = z.enum(['cross', 'isolated']);
export const tdMode = z.enum(['cash', 'cross', 'isolated', 'spot_isolated']);
export const side = z.enum(['buy', 'sell']);
export const posSide = z.enum(['long', 'short', 'net']);

/** A request object with these fields (others pass through). */
export const q = <S extends z.ZodRawShape>(shape: S) => z.looseObject(shape);
/** No parameters. */
export const none = z.looseObject({});

/** Response fields. */
export const s = z.string();
export const o = z.string().optional();
/** A response row with these fields (others kept). */
export const row = <S extends z.ZodRawShape>(shape: S) => z.looseObject(shape);
/** A response row whose shape okxkit does not pin down beyond being an object. */
export const anyRow = z.looseObject({});
/** A candle-like row: [ts, o, h, l, c, ...more strings]. */
export const candle = z.tuple([z.string(), z.string(), z.string(), z.string(), z.string()], z.string());
