import { instrumentSchema, serverTimeSchema, type Instrument } from '../../protocol/schemas/public.js';
import type { RestCaller } from '../caller.js';

const timeArray = serverTimeSchema.array().min(1);
const instrumentArray = instrumentSchema.array();

/** OKX instrument type: spot, margin, perpetual swap, futures or option. */
export type InstType = 'SPOT' | 'MARGIN' | 'SWAP' | 'FUTURES' | 'OPTION';

/** Query of GET /api/v5/public/instruments: the type, and optionally an instrument family or one instrument. */
export interface InstrumentsParams {
  instType: InstType;
  instFamily?: string;
  instId?: string;
}

/** Public data (no key needed). */
export class PublicApi {
  constructor(private readonly c: RestCaller) {}

  /** OKX server time, ms. */
  async time(): Promise<number> {
    const data = await this.c.call('public.time', {}, timeArray);
    return Number(data[0]!.ts);
  }

  /** Instrument rules (tickSz, lotSz, minSz, state...) as OKX sends them. */
  instruments(params: InstrumentsParams): Promise<Instrument[]> {
    return this.c.call(
      'public.instruments',
      { query: { instType: params.instType, instFamily: params.instFamily, instId: params.instId } },
      instrumentArray,
    );
  }
}
