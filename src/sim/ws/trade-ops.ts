import { errorMessage } from '../../protocol/error-codes.js';
import { invalidRequest, type Conn, type WsHub } from './hub.js';
import { isWsId, objectArgs } from './request.js';

/** WS order ops on /private (docs/OKX-PROTOCOL.md §2.6): order, batch-orders, cancel, amend... */
export class TradeOps {
  constructor(private readonly hub: WsHub) {}

  async handle(
    c: Conn,
    req: { op: string; id: string | undefined; args: unknown; expTime: unknown; text: string },
  ): Promise<void> {
    const { hub } = this;
    const { clock } = hub.opts;
    const inTime = micros(clock.now());
    const { id, op } = req;
    if (!isWsId(id)) return hub.sendError(c, '60012', invalidRequest(req.text));
    const reply = (
      code: string,
      msg: string,
      data: unknown[] = [],
      times?: { inTime?: unknown; outTime?: unknown },
    ) =>
      hub.send(c, {
        id,
        op,
        code,
        msg,
        data,
        inTime: times?.inTime ?? inTime,
        outTime: times?.outTime ?? micros(clock.now()),
      });
    if (c.path !== 'private') return reply('60028', errorMessage('60028'));
    if (c.account === undefined) return reply('60011', errorMessage('60011'));
    const args = objectArgs(req.args);
    if (!args) return reply('60013', errorMessage('60013'));
    if (req.expTime !== undefined) {
      const raw =
        typeof req.expTime === 'string' || typeof req.expTime === 'number' ? String(req.expTime) : '';
      if (!/^\d+$/.test(raw)) return reply('60013', errorMessage('60013'));
      if (clock.now() > Number(raw)) return reply('50037', errorMessage('50037'));
    }
    const trade = hub.opts.trade;
    if (!trade) return reply('60028', errorMessage('60028'));
    try {
      const r = await trade.handle(c.account, op, args);
      reply(String(r.code ?? '0'), String(r.msg ?? ''), Array.isArray(r.data) ? r.data : [], r);
    } catch {
      // the engine threw (a bug in the local exchange): OKX answers such a failure with 50026
      reply('50026', errorMessage('50026'));
    }
  }
}

function micros(ms: number): string {
  return `${Math.floor(ms)}000`;
}
