import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Decimal } from '../util/decimal.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { errorCode } from '../util/errors.js';
import {
  instTypeOf,
  positionDirection,
  type ExchangePort,
  type Instrument,
  type OrderIntent,
  type PosSide,
  type Side,
} from '../trading/exchange-port.js';
import { GuardRejection } from '../trading/errors.js';
import type { AlertInput } from '../trading/alerts.js';
import type { AuditSink } from '../trading/audit.js';
import { checkWindow, safeEqual, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyHmac } from './auth.js';
import type { SourceConfig } from './config.js';
import { parseSignal, SignalSchemaError, type Signal } from './schema.js';
import type { SignalOrder, SignalRecord, SignalStatus, SignalStore } from './store.js';

/** A source with its secret resolved (from the vault or the environment). */
export interface ResolvedSource extends SourceConfig {
  secretValue: string;
}

/** What the engine needs of the exchange: the port (a SafeExchange), and its guard for pre-flight checks. */
export type SignalPort = ExchangePort & {
  guard?: { check(intent: OrderIntent): Promise<OrderIntent> } | undefined;
};

/** What a SignalEngine needs: the guarded port, the sources, the signal record, the clock, and where to report. */
export interface SignalEngineOptions {
  /** The guarded port orders go through (SafeExchange: guard, journal, risk limits, kill switch). */
  port: SignalPort;
  store: SignalStore;
  sources: Record<string, ResolvedSource>;
  clock?: Clock;
  /** The kill switch and risk halts (RiskManager.haltReason): a halted engine places nothing. */
  haltReason?: () => string | undefined;
  /** The hash-chained audit log (AuditLog satisfies it): every signal and its outcome. */
  audit?: AuditSink;
  /** The alert hub (Alerts): refusals, auth failures and half-done signals. */
  alerts?: { emit(a: AlertInput): unknown };
  /** Called with every finished signal record (the same as the `signal` event). */
  onSignal?: (r: SignalRecord) => void;
}

/** A request as the HTTP server hands it over. */
export interface SignalRequest {
  /** The URL path, e.g. /signal/tv or /signal/tv/<token>. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The client address (the proxy's X-Forwarded-For when trusted). */
  remote: string;
}

/** The HTTP answer to a signal: status (200, 4xx) and a JSON body naming the outcome, code and field. */
export interface SignalResponse {
  status: number;
  body: Record<string, unknown>;
}

/** A refusal before or instead of any order: HTTP status, stable code, field at fault, reason. */
class Refusal extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The clOrdId of one leg of a signal: "sg" + 30 alphanumerics of SHA-256(source, id, leg).
 * Deterministic, so a retried webhook or a restart finds the same clOrdId in the order journal
 * and never places a second order (docs/OKX-PROTOCOL.md §8: one clOrdId per intent).
 */
export function signalClOrdId(source: string, signalId: string, leg: string): string {
  const h = createHash('sha256').update(`${source}\0${signalId}\0${leg}`).digest();
  let out = 'sg';
  for (let i = 0; out.length < 32; i++) out += ALPHANUM[h[i]! % ALPHANUM.length];
  return out;
}

interface Leg {
  leg: string;
  intent: OrderIntent;
  /** Grows exposure: checked against the source's maxNotional. */
  opening: boolean;
  notional: Decimal;
}

interface Plan {
  legs: Leg[];
  /** Why nothing is to be done, when there are no legs. */
  nothing?: string;
  inst: Instrument;
}

const d = (v: string | number | Decimal) => new Decimal(v);

function header(h: SignalRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Turns authenticated signals into guarded, exactly-once orders (docs/SIGNALS.md). One signal at a
 * time: authenticate, parse, claim its id (a second request with the same id gets the first one's
 * outcome), check the source's limits, plan the legs from the current position, check every leg
 * with the order guard before the first is sent, then place them through the port.
 * Emits `signal` with each finished record.
 */
export class SignalEngine extends EventEmitter {
  private readonly opts: SignalEngineOptions;
  private readonly clock: Clock;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly offOrders: () => void;

  constructor(opts: SignalEngineOptions) {
    super();
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    // A signal the last run stopped in the middle of: failed, loudly; its id stays claimed, so a
    // retry cannot place its orders a second time.
    for (const r of opts.store.markInterrupted(
      'the server stopped while this signal was being executed: check its orders (clOrdIds in the record) on the exchange',
    ))
      void opts.alerts?.emit({
        kind: 'signal-refused',
        severity: 'critical',
        message: `signal ${r.source}/${r.signalId} was interrupted by a stop`,
        details: { seq: r.seq, source: r.source, id: r.signalId, orders: r.orders.map((o) => o.clOrdId) },
      });
    // Later states of the signals' orders (a limit order filling later) reach the record too.
    this.offOrders = opts.port.onOrder((o) => {
      if (o.clOrdId.startsWith('sg'))
        opts.store.updateOrder(o.clOrdId, {
          ordId: o.ordId,
          state: o.state,
          accFillSz: o.accFillSz,
          avgPx: o.avgPx,
        });
    });
  }

  /** The configured source names (the metrics label them; any other path is "unknown"). */
  sourceNames(): string[] {
    return Object.keys(this.opts.sources);
  }

  /** Handles one request; requests are processed one after another. Never throws. */
  handle(req: SignalRequest): Promise<SignalResponse> {
    const p = this.queue.then(() => this.process(req));
    this.queue = p.catch(() => undefined);
    return p;
  }

  close(): void {
    this.offOrders();
  }

  /** Records a request the server refused before reading it (too large, wrong method); the answer. */
  reject(
    req: Pick<SignalRequest, 'path' | 'remote'>,
    httpStatus: number,
    code: string,
    field: string,
    reason: string,
  ): SignalResponse {
    const m = /^\/signal\/([A-Za-z0-9_-]{1,32})/.exec(req.path);
    const seq = this.opts.store.insert({
      receivedMs: this.clock.now(),
      source: m?.[1] ?? '',
      signalId: '',
      instId: '',
      action: '',
      signal: {},
      remote: req.remote,
      status: 'refused',
      httpStatus,
      code,
      field,
      reason,
    });
    return this.finish(seq);
  }

  // long: one request's path in order (route, JSON, source, auth, schema, window, claim), each step a refusal
  private async process(req: SignalRequest): Promise<SignalResponse> {
    const now = this.clock.now();
    const store = this.opts.store;
    let raw: Record<string, unknown> = {};
    let pathSource: string | undefined;
    let pathToken: string | undefined;
    const base: Omit<SignalRecord, 'seq' | 'orders' | 'status' | 'httpStatus' | 'code' | 'field' | 'reason'> =
      {
        receivedMs: now,
        source: '',
        signalId: '',
        instId: '',
        action: '',
        signal: {},
        remote: req.remote,
      };
    const refuse = (r: Refusal, seq?: number): SignalResponse => {
      const outcome = {
        status: 'refused' as const,
        httpStatus: r.httpStatus,
        code: r.code,
        field: r.field,
        reason: r.message,
      };
      if (seq === undefined) seq = store.insert({ ...base, ...outcome });
      else store.finish(seq, outcome);
      return this.finish(seq);
    };
    try {
      const m = /^\/signal(?:\/([A-Za-z0-9_-]{1,32}))?(?:\/([^/]+))?\/?$/.exec(req.path);
      if (!m)
        throw new Refusal(
          404,
          'NOT_FOUND',
          'path',
          `${redactPath(req.path)} is not a signal endpoint: POST /signal/<source>`,
        );
      pathSource = m[1];
      pathToken = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
      try {
        const parsed: unknown = JSON.parse(req.body.toString('utf8'));
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new Refusal(400, 'INVALID_SIGNAL', 'body', 'must be a JSON object');
        raw = parsed as Record<string, unknown>;
      } catch (err) {
        if (err instanceof Refusal) throw err;
        throw new Refusal(400, 'INVALID_JSON', 'body', 'is not valid JSON');
      }
      const bodySource = typeof raw.source === 'string' ? raw.source : undefined;
      base.source = (pathSource ?? bodySource ?? '').slice(0, 32);
      base.signalId = typeof raw.id === 'string' ? raw.id.slice(0, 64) : '';
      if (pathSource && bodySource && pathSource !== bodySource)
        throw new Refusal(
          400,
          'INVALID_SIGNAL',
          'source',
          `"${bodySource}" differs from the URL's "${pathSource}"`,
        );
      const source = base.source ? this.opts.sources[base.source] : undefined;
      if (!source || !Object.hasOwn(this.opts.sources, base.source))
        throw new Refusal(401, 'UNAUTHENTICATED', 'source', `"${base.source}" is not a configured source`);
      if (source.auth === 'hmac') {
        const f = verifyHmac(
          source.secretValue,
          {
            ...(header(req.headers, SIGNATURE_HEADER) !== undefined
              ? { signature: header(req.headers, SIGNATURE_HEADER)! }
              : {}),
            ...(header(req.headers, TIMESTAMP_HEADER) !== undefined
              ? { timestamp: header(req.headers, TIMESTAMP_HEADER)! }
              : {}),
          },
          req.body,
          now,
          source.windowMs,
        );
        if (f) throw new Refusal(f.status, f.code, f.field, f.message);
      } else {
        const token = pathToken ?? (typeof raw.token === 'string' ? raw.token : undefined);
        if (token === undefined)
          throw new Refusal(
            401,
            'UNAUTHENTICATED',
            'token',
            'is missing: put it in the URL (/signal/<source>/<token>) or the body',
          );
        if (!safeEqual(token, source.secretValue))
          throw new Refusal(401, 'UNAUTHENTICATED', 'token', 'does not match the source token');
      }
      // Authenticated from here on.
      let signal: Signal;
      try {
        signal = parseSignal({ source: base.source, ...raw });
      } catch (err) {
        if (err instanceof SignalSchemaError)
          throw new Refusal(400, 'INVALID_SIGNAL', err.field, err.message);
        throw err;
      }
      const { token: _t, ...kept } = signal;
      base.signal = kept;
      base.instId = signal.instId ?? '';
      base.action = signal.action;
      if (source.auth === 'token') {
        if (signal.ts === undefined)
          throw new Refusal(
            400,
            'INVALID_SIGNAL',
            'ts',
            'is required from a token source (e.g. {{timenow}})',
          );
        const f = checkWindow(signal.ts, now, source.windowMs, 'ts');
        if (f) throw new Refusal(f.status, f.code, f.field, f.message);
      }
      // Claim the id with the record, atomically: a second request with it is a duplicate.
      const claim = store.tx(() => {
        const earlier = store.claimed(signal.source, signal.id);
        if (earlier !== undefined) return { earlier, seq: undefined };
        const seq = store.insert({
          ...base,
          status: 'processing',
          httpStatus: 0,
          code: 'PROCESSING',
          field: '',
          reason: '',
        });
        store.claim(signal.source, signal.id, seq);
        return { earlier: undefined, seq };
      });
      if (claim.earlier !== undefined) {
        const first = store.get(claim.earlier)!;
        const seq = store.insert({
          ...base,
          status: 'duplicate',
          httpStatus: 200,
          code: 'DUPLICATE',
          field: 'id',
          reason: `id "${signal.id}" was received before (#${first.seq}, ${first.status}): nothing placed again`,
        });
        const res = this.finish(seq);
        res.body.original = summary(first);
        return res;
      }
      const seq = claim.seq;
      try {
        return await this.execute(seq, signal, source, now);
      } catch (err) {
        if (err instanceof Refusal) return refuse(err, seq);
        throw Object.assign(err as object, { seq });
      }
    } catch (err) {
      if (err instanceof Refusal) return refuse(err);
      const seqOf = (err as { seq?: number }).seq;
      const msg = err instanceof Error ? err.message : String(err);
      const outcome = {
        status: 'failed' as const,
        httpStatus: 500,
        code: 'INTERNAL',
        field: '',
        reason: msg,
      };
      const seq = seqOf ?? store.insert({ ...base, ...outcome });
      if (seqOf !== undefined) store.finish(seq, outcome);
      return this.finish(seq);
    }
  }

  // long: limits, guard pre-flight of every leg, the legs in order and the TP/SL; splitting hides the order
  private async execute(seq: number, s: Signal, src: ResolvedSource, now: number): Promise<SignalResponse> {
    const store = this.opts.store;
    const insts = s.action === 'flat-all' ? (s.instId ? [s.instId] : src.instruments) : [s.instId!];
    for (const i of insts)
      if (!src.instruments.includes(i))
        throw new Refusal(
          403,
          'INSTRUMENT_NOT_ALLOWED',
          'instId',
          `${i} is not among the source's instruments (${src.instruments.join(', ')})`,
        );
    const halted = this.opts.haltReason?.();
    if (halted !== undefined) throw new Refusal(423, 'HALTED', '', `trading is halted: ${halted}`);
    const plans: Plan[] = [];
    for (const instId of insts) plans.push(await this.plan(s, src, instId));
    const legs = plans.flatMap((p) => p.legs);
    if (legs.length === 0) {
      store.finish(seq, {
        status: 'accepted',
        httpStatus: 200,
        code: 'NOTHING_TO_DO',
        field: '',
        reason:
          plans
            .map((p) => p.nothing)
            .filter(Boolean)
            .join('; ') || 'nothing to do',
      });
      return this.finish(seq);
    }
    for (const l of legs)
      if (l.opening && l.notional.gt(src.maxNotional))
        throw new Refusal(
          422,
          'MAX_NOTIONAL',
          'size',
          `order notional ${l.notional.toFixed(2)} exceeds the source's maxNotional ${src.maxNotional}`,
        );
    const sent = store.ordersSince(s.source, now - 60_000);
    if (sent + legs.length > src.maxOrdersPerMinute)
      throw new Refusal(
        429,
        'RATE_LIMITED',
        'source',
        `${sent} orders in the last minute; ${legs.length} more would exceed maxOrdersPerMinute ${src.maxOrdersPerMinute}`,
      );
    // Every leg through the guard before the first is sent: a reverse whose open leg the guard
    // would refuse is refused whole, and the position stays as it was.
    const guard = this.opts.port.guard;
    if (guard) {
      for (const l of legs) {
        try {
          l.intent = await guard.check(l.intent);
        } catch (err) {
          if (err instanceof GuardRejection)
            throw new Refusal(
              err.rule === 'halted' ? 423 : 422,
              err.code,
              'size',
              `${l.leg}: ${err.message}`,
            );
          throw err;
        }
      }
    }
    const tpsl = s.tp || s.sl ? this.checkTpSl(s, plans[0]!.inst) : undefined;
    let done = 0;
    const placed: SignalOrder[] = [];
    for (const l of legs) {
      const o: SignalOrder = {
        leg: l.leg,
        clOrdId: l.intent.clOrdId!,
        instId: l.intent.instId,
        side: l.intent.side,
        sz: l.intent.sz,
        ordType: l.intent.ordType,
        reduceOnly: !!l.intent.reduceOnly,
        ordId: '',
        state: '',
        accFillSz: '',
        avgPx: '',
        error: '',
        placedMs: this.clock.now(),
      };
      store.addOrder(seq, s.source, o);
      try {
        const r = await this.opts.port.placeOrder(l.intent);
        store.updateOrder(o.clOrdId, {
          ordId: r.ordId,
          state: r.state,
          accFillSz: r.accFillSz,
          avgPx: r.avgPx,
        });
        placed.push({ ...o, accFillSz: r.accFillSz });
        done++;
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        store.updateOrder(o.clOrdId, { error: msg, state: 'refused' });
        const code = errorCode(err) ?? 'ORDER_FAILED';
        if (done === 0) throw new Refusal(422, code, '', `${l.leg} refused: ${msg}`);
        // A later leg refused after an earlier one executed: stop, say exactly what happened.
        const firstLegs = legs
          .slice(0, done)
          .map((x) => x.leg)
          .join(', ');
        store.finish(seq, {
          status: 'partial',
          httpStatus: 422,
          code: 'LEG_REFUSED',
          field: '',
          reason: `${firstLegs} executed, then ${l.leg} was refused (${msg}); nothing more was sent${s.action === 'reverse' ? ': the position is closed, not reversed' : ''}`,
        });
        return this.finish(seq);
      }
    }
    if (tpsl) {
      const opened = placed.filter((p) => !p.reduceOnly && d(p.accFillSz || '0').gt(0));
      const sz = opened.reduce((a, p) => a.plus(p.accFillSz), d(0));
      if (sz.gt(0)) {
        try {
          await tpsl(sz.toFixed(), signalClOrdId(s.source, s.id, 'tpsl'));
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          store.finish(seq, {
            status: 'partial',
            httpStatus: 422,
            code: 'TPSL_REFUSED',
            field: s.tp ? 'tp' : 'sl',
            reason: `the order executed but its take-profit/stop-loss was refused (${msg}): the position is unprotected`,
          });
          return this.finish(seq);
        }
      }
    }
    store.finish(seq, {
      status: 'accepted',
      httpStatus: 200,
      code: 'ACCEPTED',
      field: '',
      reason: `${legs.length} order(s) placed`,
    });
    return this.finish(seq);
  }

  /** The legs of one instrument, from the signal and the current position. */
  // long: one switch over the six actions on spot and derivatives, read side by side (docs/SIGNALS.md)
  private async plan(s: Signal, src: ResolvedSource, instId: string): Promise<Plan> {
    const port = this.opts.port;
    const inst = await port.instrument(instId);
    const last = d((await port.ticker(instId)).last);
    const spot = instTypeOf(instId) === 'SPOT';
    const lot = d(inst.lotSz);
    const ctVal = spot ? d(1) : d(inst.ctVal || '1');
    const down = (x: Decimal) => x.div(lot).floor().mul(lot);
    const mk = (
      leg: string,
      side: Side,
      sz: Decimal,
      opening: boolean,
      extra: Partial<OrderIntent> = {},
    ): Leg => {
      const intent: OrderIntent = {
        instId,
        side,
        ordType:
          s.action === 'reverse' || s.action === 'flat-all' || leg === 'close'
            ? s.action === 'close'
              ? s.ordType
              : 'market'
            : s.ordType,
        sz: sz.toFixed(),
        tdMode: spot ? 'cash' : s.tdMode === 'cash' ? src.tdMode : (s.tdMode ?? src.tdMode),
        clOrdId: signalClOrdId(s.source, s.id, `${leg}:${instId}`),
        ...extra,
      };
      if (intent.ordType !== 'market' && s.px) intent.px = s.px;
      // OKX sizes a spot market buy in the quote currency unless told otherwise (docs/OKX-PROTOCOL.md §7.4).
      if (spot && intent.ordType === 'market' && side === 'buy') intent.tgtCcy = 'base_ccy';
      const px = intent.px ? d(intent.px) : last;
      return { leg, intent, opening, notional: sz.mul(ctVal).mul(px) };
    };
    // The current position: signed base (spot) or signed contracts (derivatives).
    let held = d(0);
    let posSide: PosSide | undefined;
    let longShort = false;
    if (spot) {
      const bal = (await port.balances()).find((b) => b.ccy === inst.baseCcy);
      held = d(bal?.availBal || '0');
    } else {
      if (!port.positions)
        throw new Refusal(422, 'NO_DERIVATIVES', 'instId', 'this exchange does not trade derivatives');
      const mode = port.accountMode ? await port.accountMode() : undefined;
      longShort = mode?.posMode === 'long_short_mode';
      const ps = (await port.positions(instId)).filter((p) => p.instId === instId && Number(p.pos) !== 0);
      if (ps.length > 1)
        throw new Refusal(
          409,
          'POSITION_CONFLICT',
          'instId',
          `${instId} has both a long and a short position: close one first`,
        );
      const p = ps[0];
      if (p) {
        held = d(p.pos).abs().mul(positionDirection(p));
        posSide = p.posSide;
      }
    }
    const dir = held.isZero() ? 0 : held.gt(0) ? 1 : -1;
    const closeSide: Side = dir > 0 ? 'sell' : 'buy';
    const closeExtra = (): Partial<OrderIntent> =>
      spot ? {} : longShort ? { posSide: posSide! } : { reduceOnly: true };
    const openExtra = (side: Side): Partial<OrderIntent> =>
      !spot && longShort ? { posSide: side === 'buy' ? 'long' : 'short' } : {};
    const sized = async (side: Side): Promise<Decimal> => {
      const v = d(s.size!);
      let base: Decimal;
      switch (s.sizeUnit) {
        case 'contracts':
          if (spot)
            throw new Refusal(
              400,
              'INVALID_SIGNAL',
              'sizeUnit',
              'contracts size swaps and futures, not spot',
            );
          return down(v);
        case 'base':
          base = v;
          break;
        case 'quote':
          base = v.div(last);
          break;
        case 'pct_balance': {
          const ccy = spot
            ? side === 'buy'
              ? inst.quoteCcy
              : inst.baseCcy
            : inst.settleCcy || inst.quoteCcy;
          const avail = d((await port.balances()).find((b) => b.ccy === ccy)?.availBal || '0');
          const amount = avail.mul(v).div(100);
          base = spot && side === 'sell' ? amount : amount.div(last);
          break;
        }
        default:
          base = d(held).abs().mul(v).div(100).mul(ctVal);
      }
      return down(base.div(ctVal));
    };
    const need = (sz: Decimal, field = 'size') => {
      if (sz.lte(0) || sz.lt(inst.minSz || '0'))
        throw new Refusal(
          422,
          'SIZE_TOO_SMALL',
          field,
          `${sz.toFixed()} is below the instrument's minimum ${inst.minSz} (lot ${inst.lotSz})`,
        );
      return sz;
    };
    const plan = (legs: Leg[], nothing?: string): Plan => ({ legs, inst, ...(nothing ? { nothing } : {}) });
    const side = s.side;
    switch (s.action) {
      case 'open':
      case 'add': {
        if (spot && side === 'sell')
          throw new Refusal(
            422,
            'SPOT_NO_SHORT',
            'side',
            `spot cannot open a short; use close or reduce to sell ${inst.baseCcy}`,
          );
        const want = side === 'buy' ? 1 : -1;
        if (!spot && dir !== 0 && dir !== want)
          throw new Refusal(
            409,
            'POSITION_CONFLICT',
            'side',
            `a ${dir > 0 ? 'long' : 'short'} position is open on ${instId}: use reverse, or close it first`,
          );
        if (!spot && s.action === 'add' && dir === 0)
          throw new Refusal(
            409,
            'NO_POSITION',
            'action',
            `there is no position on ${instId} to add to: use open`,
          );
        return plan([mk('open', side!, need(await sized(side!)), true, openExtra(side!))]);
      }
      case 'reduce': {
        if (dir === 0 || (spot && need0(down(held), inst)))
          throw new Refusal(409, 'NO_POSITION', 'action', `there is no position on ${instId} to reduce`);
        if (spot && dir < 0) throw new Refusal(409, 'NO_POSITION', 'action', `nothing held on ${instId}`);
        if (side && side !== closeSide)
          throw new Refusal(
            409,
            'POSITION_CONFLICT',
            'side',
            `reducing a ${dir > 0 ? 'long' : 'short'} is a ${closeSide}, not a ${side}`,
          );
        const max = down(held.abs());
        const sz = Decimal.min(await sized(closeSide), max);
        return plan([mk('reduce', closeSide, need(sz), false, closeExtra())]);
      }
      case 'close': {
        if (side && dir !== 0 && side !== closeSide)
          throw new Refusal(
            409,
            'POSITION_CONFLICT',
            'side',
            `closing a ${dir > 0 ? 'long' : 'short'} is a ${closeSide}, not a ${side}`,
          );
        const sz = s.size ? Decimal.min(await sized(closeSide), down(held.abs())) : down(held.abs());
        if (dir === 0 || sz.lt(inst.minSz || '0') || sz.lte(0)) return plan([], `${instId}: already flat`);
        return plan([mk('close', closeSide, sz, false, closeExtra())]);
      }
      case 'reverse': {
        if (spot)
          throw new Refusal(
            422,
            'INVALID_SIGNAL',
            'action',
            'reverse needs a swap or futures instrument, not spot',
          );
        const want = side === 'buy' ? 1 : -1;
        if (dir === want)
          throw new Refusal(
            409,
            'POSITION_CONFLICT',
            'side',
            `already ${dir > 0 ? 'long' : 'short'} on ${instId}: use add`,
          );
        const open = mk('open', side!, need(await sized(side!)), true, openExtra(side!));
        if (dir === 0) return plan([open]);
        return plan([mk('close', closeSide, down(held.abs()), false, closeExtra()), open]);
      }
      case 'flat-all': {
        const sz = down(held.abs());
        if (dir === 0 || sz.lt(inst.minSz || '0') || sz.lte(0) || (spot && dir < 0))
          return plan([], `${instId}: already flat`);
        return plan([mk('close', closeSide, sz, false, closeExtra())]);
      }
    }
  }

  /** Checks TP/SL against the side and the last price; returns what places the algo order. */
  private checkTpSl(s: Signal, inst: Instrument): (sz: string, algoClOrdId: string) => Promise<unknown> {
    const port = this.opts.port;
    if (!port.placeAlgo)
      throw new Refusal(
        422,
        'NO_ALGO_ORDERS',
        s.tp ? 'tp' : 'sl',
        'this exchange takes no take-profit/stop-loss orders',
      );
    const long = s.side === 'buy';
    const ref = s.px;
    if (ref) {
      if (s.tp && (long ? d(s.tp).lte(ref) : d(s.tp).gte(ref)))
        throw new Refusal(
          400,
          'INVALID_SIGNAL',
          'tp',
          `a take-profit of a ${long ? 'long' : 'short'} is ${long ? 'above' : 'below'} the entry ${ref}`,
        );
      if (s.sl && (long ? d(s.sl).gte(ref) : d(s.sl).lte(ref)))
        throw new Refusal(
          400,
          'INVALID_SIGNAL',
          'sl',
          `a stop-loss of a ${long ? 'long' : 'short'} is ${long ? 'below' : 'above'} the entry ${ref}`,
        );
    }
    const spot = instTypeOf(inst.instId) === 'SPOT';
    return (sz, algoClOrdId) =>
      port.placeAlgo!({
        instId: inst.instId,
        side: long ? 'sell' : 'buy',
        ordType: s.tp && s.sl ? 'oco' : 'conditional',
        tdMode: spot ? 'cash' : s.tdMode === 'isolated' ? 'isolated' : 'cross',
        sz,
        ...(spot ? {} : { reduceOnly: true }),
        algoClOrdId,
        ...(s.tp ? { tpTriggerPx: s.tp, tpOrdPx: '-1' } : {}),
        ...(s.sl ? { slTriggerPx: s.sl, slOrdPx: '-1' } : {}),
      });
  }

  /** Audit, alert and event for a finished record; the HTTP answer. */
  private finish(seq: number): SignalResponse {
    const r = this.opts.store.get(seq)!;
    try {
      this.opts.audit?.append({
        action: `signal.${r.status}`,
        details: {
          seq: r.seq,
          source: r.source,
          id: r.signalId,
          instId: r.instId,
          signalAction: r.action,
          code: r.code,
          field: r.field,
          orders: r.orders.map((o) => ({
            leg: o.leg,
            clOrdId: o.clOrdId,
            side: o.side,
            sz: o.sz,
            state: o.state,
            accFillSz: o.accFillSz,
            error: o.error,
          })),
          remote: r.remote,
        },
        why: r.reason,
      });
    } catch (err) {
      // The record is in the signals store either way; an audit failure is an alert, not a crash.
      void this.opts.alerts?.emit({
        kind: 'audit-failure',
        severity: 'critical',
        message: `signal #${seq} not in the audit log: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
    if (r.status === 'refused' || r.status === 'partial' || r.status === 'failed') {
      const auth = r.code === 'UNAUTHENTICATED' || r.code === 'STALE_TIMESTAMP';
      void this.opts.alerts?.emit({
        kind: auth ? 'auth-failure' : 'signal-refused',
        severity: r.status === 'partial' || r.status === 'failed' ? 'critical' : 'warning',
        message: `signal ${r.source || '?'}/${r.signalId || '?'} ${r.status}: ${r.code}${r.field ? ` (${r.field})` : ''}`,
        details: {
          seq: r.seq,
          source: r.source,
          id: r.signalId,
          code: r.code,
          field: r.field,
          reason: r.reason,
        },
      });
    }
    this.emit('signal', r);
    this.opts.onSignal?.(r);
    return { status: r.httpStatus, body: summary(r) };
  }
}

function need0(sz: Decimal, inst: Instrument): boolean {
  return sz.lte(0) || sz.lt(inst.minSz || '0');
}

/** The JSON answer for a record. */
function summary(r: SignalRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    seq: r.seq,
    status: r.status,
    code: r.code,
    source: r.source,
    id: r.signalId,
  };
  if (r.field) out.field = r.field;
  out[r.status === 'accepted' || r.status === 'duplicate' ? 'message' : 'error'] = r.reason;
  out.orders = r.orders.map((o) => ({
    leg: o.leg,
    clOrdId: o.clOrdId,
    ordId: o.ordId,
    side: o.side,
    sz: o.sz,
    state: o.state,
    accFillSz: o.accFillSz,
    avgPx: o.avgPx,
    ...(o.error ? { error: o.error } : {}),
  }));
  return out;
}

/** A path for records: a token in it never reaches a log. */
export function redactPath(path: string): string {
  return path.replace(/^(\/signal\/[^/]+\/)[^/?]+/, '$1[redacted]').slice(0, 200);
}

export type { SignalStatus };
