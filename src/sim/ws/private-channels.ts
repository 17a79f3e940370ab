import type { PositionRow } from '../contracts.js';
import type { Conn, Sub, WsHub } from './hub.js';

/**
 * The private channels on /private (docs/OKX-PROTOCOL.md §2.1): orders, account (the last push
 * replayed on subscribe, filtered by `ccy`), positions (always empty on a spot account) and
 * balance_and_position (a snapshot on subscribe, then one push per event: docs/OKX-PROTOCOL.md §2.7).
 */
export class PrivateChannels {
  /** last `account` push per account, replayed on subscribe */
  private readonly lastAccount = new Map<string, Record<string, unknown>>();
  private readonly offs: Array<() => void>;

  constructor(private readonly hub: WsHub) {
    const engine = hub.opts.engine;
    this.offs = [
      engine.onOrder((account, order) => {
        for (const c of hub.of(account)) {
          for (const s of c.subs.values()) {
            if (s.ch.kind !== 'orders') continue;
            const t = s.arg.instType;
            if (t !== 'ANY' && t !== (order.instType ?? 'SPOT')) continue;
            if (s.arg.instId && s.arg.instId !== order.instId) continue;
            hub.send(c, { arg: hub.privArg(c, s), data: [order] });
          }
        }
      }),
      engine.onAccount((account, a0) => {
        this.lastAccount.set(account, a0);
        for (const c of hub.of(account)) {
          for (const s of c.subs.values())
            if (s.ch.kind === 'account')
              hub.send(c, { arg: hub.privArg(c, s), data: [forCcy(a0, s.arg.ccy)] });
        }
      }),
      engine.onBalance((account, change) => {
        for (const c of hub.of(account)) {
          for (const s of c.subs.values())
            if (s.ch.kind === 'balance_and_position') this.sendBalPos(c, s, change);
        }
      }),
    ];
  }

  close(): void {
    for (const off of this.offs) off();
  }

  /** The push a new subscription gets at once (nothing on orders: it waits for news). */
  initialPush(c: Conn, sub: Sub): void {
    const { engine, clock } = this.hub.opts;
    switch (sub.ch.kind) {
      case 'balance_and_position':
        // Snapshot: every non-zero cash balance and every open position (§2.7).
        if (c.account !== undefined)
          this.sendBalPos(c, sub, {
            ts: clock.now(),
            eventType: 'snapshot',
            balData: engine.cashBalances(c.account),
            posData: this.hub.opts.contracts?.positions(c.account) ?? [],
            trades: [],
          });
        break;
      case 'positions':
        // spot accounts have no positions: OKX still answers the subscription with a push
        this.hub.send(c, { arg: this.hub.privArg(c, sub), data: [] });
        break;
      case 'account': {
        const a0 = c.account !== undefined ? this.lastAccount.get(c.account) : undefined;
        if (a0) this.hub.send(c, { arg: this.hub.privArg(c, sub), data: [forCcy(a0, sub.arg.ccy)] });
        break;
      }
      default:
        break;
    }
  }

  /** One balance_and_position push: one event's cash balances and positions together (docs/OKX-PROTOCOL.md §2.7). */
  private sendBalPos(
    c: Conn,
    s: Sub,
    e: { ts: number; eventType: string; balData: unknown[]; posData?: PositionRow[]; trades: unknown[] },
  ): void {
    this.hub.send(c, {
      arg: this.hub.privArg(c, s),
      data: [
        {
          pTime: String(e.ts),
          eventType: e.eventType,
          balData: e.balData,
          posData: (e.posData ?? []).map(posData),
          trades: e.trades,
        },
      ],
    });
  }
}

/** The account channel subscribed with `ccy` carries only that currency's details. */
function forCcy(a0: Record<string, unknown>, ccy: string | undefined): Record<string, unknown> {
  if (!ccy || !Array.isArray(a0.details)) return a0;
  return {
    ...a0,
    details: a0.details.filter(
      (d: unknown) => typeof d === 'object' && d !== null && (d as { ccy?: unknown }).ccy === ccy,
    ),
  };
}

/** The position fields balance_and_position carries. */
function posData(r: PositionRow): Record<string, unknown> {
  return {
    posId: r.posId!,
    tradeId: r.tradeId!,
    instId: r.instId,
    instType: r.instType,
    mgnMode: r.mgnMode!,
    posSide: r.posSide!,
    pos: r.pos!,
    ccy: r.ccy!,
    posCcy: r.posCcy!,
    avgPx: r.avgPx!,
    nonSettleAvgPx: r.nonSettleAvgPx!,
    settledPnl: r.settledPnl!,
    uTime: r.uTime!,
  };
}
