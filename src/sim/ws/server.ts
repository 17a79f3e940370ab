import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { bookChecksum, type BookLevel } from '../../protocol/book-checksum.js';
import { errorMessage } from '../../protocol/error-codes.js';
import { signWsLogin } from '../../protocol/sign.js';
import { checkWsLogin, checkWsOp, normaliseIp, wsConnectionIsDemo } from '../auth.js';
import type { MarketUpdate, SimKey, WsServerHandle, WsServerOptions, WsUpgradeNotice } from '../contracts.js';
import { barStart } from '../market/bars.js';
import { instrumentToOkx } from '../market/instrument-payload.js';
import { hash32 } from '../market/prng.js';
import { tradePayload } from '../market/trade-payload.js';
import { PATHS, TRADE_OPS, channelOn, isPrivateKind, type ChannelKind, type WsPath } from './channels.js';

/** Extra knobs of the local WS server (the OKX values are the defaults). */
export interface WsServerExtraOptions {
  /** New connections per IP per second (facts §2.5: 3). */
  connectionsPerSecond?: number;
  /** login + subscribe + unsubscribe per connection per hour (facts §2.5: 480). */
  opsPerHour?: number;
  /**
   * Book channels start with updates only, no snapshot push, as OKX announced for 2026 (facts
   * §3.3): clients take the snapshot from GET /market/books (with seqId) and apply buffered updates.
   */
  noBookSnapshot?: boolean;
  /**
   * A book channel with no change for this long gets a heartbeat push (facts §3.1: ~60 s): an empty
   * update with prevSeqId == seqId on books, the latest snapshot again on books5 / bbo-tbt.
   */
  bookHeartbeatMs?: number;
}

const LOGIN_PATH_WINDOW_S = 30;
const WS_ID = /^[A-Za-z0-9]{1,32}$/;
/** OKX: candle channels push at most once a second. */
const CANDLE_PUSH_MS = 1000;
const PRIVATE_CHANNEL_CONNS = 30;
const INST_TYPES = new Set(['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION']);
/** Close code of a connection closed for an announced upgrade: WebSocket "Service Restart". */
const UPGRADE_CLOSE = 1012;

interface Sub {
  key: string;
  arg: Record<string, string>;
  ch: ChannelKind;
  instId: string;
  /** candle: start of the bar last pushed */
  barTs?: number;
  lastPushTs?: number;
  /** book channels: sim time of the last push, and the last seqId pushed (books) */
  bookPushAt?: number;
  lastSeqId?: number;
}

interface Conn {
  ws: WebSocket;
  path: WsPath;
  connId: string;
  account: string | undefined;
  uid: string;
  subs: Map<string, Sub>;
  opsWindow: number;
  ops: number;
  idle: NodeJS.Timeout | undefined;
  /** sim time at which an announced upgrade closes this connection */
  upgradeAt?: number;
  /** the peer's IP and environment (demo?), for the checks of src/sim/auth.ts */
  peer: { ip: string; demo: boolean };
  /** the key logged in with */
  key?: SimKey;
}

type Json = Record<string, unknown>;

/**
 * The local exchange's WebSocket endpoints /ws/v5/public, /private and /business on an existing
 * node:http server: login (facts §2.2), subscribe/unsubscribe (§2.3), text ping/pong and the idle
 * close (§2.4), public market channels and book sync (§3), candles and trades-all on /business,
 * private orders/account/positions and WS order ops (§2.6).
 */
export function attachWsServer(opts: WsServerOptions & WsServerExtraOptions): WsServerHandle {
  const { server, market, engine, keys, clock } = opts;
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  const perSecond = opts.connectionsPerSecond ?? 3;
  const opsPerHour = opts.opsPerHour ?? 480;
  const bookHeartbeatMs = opts.bookHeartbeatMs ?? 60_000;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const conns = new Set<Conn>();
  let connSeq = 0;
  const recentByIp = new Map<string, number[]>();
  /** last `account` push per account, replayed on subscribe */
  const lastAccount = new Map<string, Record<string, unknown>>();
  /** per instId: last books5 / bbo-tbt payloads, to push only on change */
  const lastTop = new Map<string, { b5: string; bbo: string }>();

  const send = (c: Conn, msg: Json | string) => {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    c.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  };
  const sendError = (c: Conn, code: string, msg: string, id?: string) =>
    send(c, { ...(id !== undefined ? { id } : {}), event: 'error', code, msg, connId: c.connId });

  // --- connections -------------------------------------------------------------------------

  const admit = (ip: string): boolean => {
    // Real time, not the injected clock: this guards the socket layer, and a frozen test clock
    // must not lock every later connection out.
    const now = performance.now();
    const list = (recentByIp.get(ip) ?? []).filter((t) => now - t < 1000);
    if (list.length >= perSecond) {
      recentByIp.set(ip, list);
      return false;
    }
    list.push(now);
    recentByIp.set(ip, list);
    if (recentByIp.size > 1000) recentByIp.clear();
    return true;
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = (req.url ?? '').split('?')[0] ?? '';
    const path = PATHS[pathname];
    if (!path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!admit(req.socket.remoteAddress ?? '')) {
      // facts §2.5: new connections are limited to 3 per second per IP
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const peer = {
      ip: normaliseIp(req.socket.remoteAddress),
      demo: wsConnectionIsDemo(req.headers, req.url ?? ''),
    };
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, path, peer));
  };
  server.on('upgrade', onUpgrade);

  const onConnection = (ws: WebSocket, path: WsPath, peer: Conn['peer']) => {
    connSeq += 1;
    const c: Conn = {
      ws,
      path,
      connId: hash32(connSeq, clock.now()).toString(16).padStart(8, '0'),
      account: undefined,
      uid: '',
      subs: new Map(),
      opsWindow: 0,
      ops: 0,
      idle: undefined,
      peer,
    };
    conns.add(c);
    // facts §2.4: a connection that sends nothing for 30 s is closed (4004).
    c.idle = setTimeout(() => ws.close(4004, 'No data received in 30s'), idleMs);
    c.idle.unref?.();
    ws.on('message', (data, isBinary) => {
      c.idle?.refresh();
      void onMessage(c, data, isBinary);
    });
    ws.on('close', () => {
      clearTimeout(c.idle);
      conns.delete(c);
    });
    ws.on('error', () => ws.terminate());
  };

  // --- messages ----------------------------------------------------------------------------

  const onMessage = async (c: Conn, data: RawData, isBinary: boolean) => {
    const text = isBinary ? '' : data.toString();
    if (text === 'ping') return send(c, 'pong');
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return sendError(c, '60012', invalidRequest(text));
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg))
      return sendError(c, '60012', invalidRequest(text));
    const m = msg as Json;
    const id = typeof m.id === 'string' ? m.id : undefined;
    const op = m.op;
    if (typeof op !== 'string' || (m.id !== undefined && (typeof m.id !== 'string' || !WS_ID.test(m.id)))) {
      return sendError(c, '60012', invalidRequest(text), id);
    }
    if (op === 'login' || op === 'subscribe' || op === 'unsubscribe') {
      if (!countOp(c)) return sendError(c, '60014', errorMessage('60014'), id);
      if (op === 'login') return login(c, m, id);
      return subscribe(c, op, m, id, text);
    }
    if (TRADE_OPS.has(op)) return tradeOp(c, op, m, text);
    return sendError(c, '60019', `Invalid op: ${op}`, id);
  };

  const countOp = (c: Conn): boolean => {
    const w = Math.floor(clock.now() / 3_600_000);
    if (w !== c.opsWindow) {
      c.opsWindow = w;
      c.ops = 0;
    }
    c.ops += 1;
    return c.ops <= opsPerHour;
  };

  const login = (c: Conn, m: Json, id: string | undefined) => {
    const fail = (code: string, params: string[] = []) => {
      sendError(c, code, errorMessage(code, ...params), id);
      if (code !== '60031') c.ws.close(4001, 'Login Failed');
    };
    if (c.account !== undefined) return fail('60031');
    const args = m.args;
    if (!Array.isArray(args) || args.length !== 1 || !args[0] || typeof args[0] !== 'object') {
      return sendError(c, '60012', `Invalid request: ${JSON.stringify({ op: 'login' })}`, id);
    }
    const a = args[0] as Json;
    const str = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : '');
    const apiKey = str('apiKey');
    const passphrase = str('passphrase');
    const timestamp = str('timestamp');
    const sign = str('sign');
    if (!apiKey || !passphrase || !timestamp || !sign) return fail('60009');
    // facts §2.2: Unix seconds (fractional accepted), valid for 30 s either way; milliseconds are
    // numerically decades away and so "expired", as OKX answers them.
    if (!/^\d+(\.\d+)?$/.test(timestamp)) return fail('60004');
    if (Math.abs(Number(timestamp) - clock.now() / 1000) > LOGIN_PATH_WINDOW_S) return fail('60006');
    const key: SimKey | undefined = keys.find(apiKey);
    if (!key) return fail('60005');
    if (!sameString(passphrase, key.passphrase)) return fail('60024');
    if (!sameString(sign, signWsLogin({ timestamp, secretKey: key.secretKey }))) return fail('60007');
    const checked = checkWsLogin(key, c.peer);
    if (!checked.ok) return fail(checked.code, checked.params);
    c.key = key;
    c.account = key.account;
    c.uid = keys.uid(key.account);
    send(c, { ...(id !== undefined ? { id } : {}), event: 'login', code: '0', msg: '', connId: c.connId });
  };

  const wrongUrl = (arg: Json) =>
    `Wrong URL or channel:${String(arg.channel ?? '')},instId:${String(arg.instId ?? '')} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`;

  const subscribe = (
    c: Conn,
    op: 'subscribe' | 'unsubscribe',
    m: Json,
    id: string | undefined,
    text: string,
  ) => {
    const args = m.args;
    const valid =
      Array.isArray(args) &&
      args.length > 0 &&
      args.every(
        (a) => a && typeof a === 'object' && !Array.isArray(a) && typeof (a as Json).channel === 'string',
      );
    if (!valid) return sendError(c, '60012', invalidRequest(text), id);
    for (const raw of args as Json[]) {
      const arg: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') arg[k] = v;
      if ('uly' in raw) {
        sendError(c, '64000', errorMessage('64000'), id);
        continue;
      }
      const ch = channelOn(c.path, arg.channel!);
      if (!ch) {
        sendError(c, '60018', wrongUrl(raw), id);
        continue;
      }
      const isPrivate = isPrivateKind(ch.kind);
      // Everything on /private needs the login first (facts §2.1), fills included.
      if ((isPrivate || c.path === 'private') && c.account === undefined) {
        sendError(c, '60011', errorMessage('60011'), id);
        continue;
      }
      if (ch.kind === 'vip') {
        sendError(c, ch.code, errorMessage(ch.code), id);
        continue;
      }
      const instId = arg.instId ?? '';
      if (ch.kind === 'instruments') {
        // instType is required and is the channel's only parameter (OKX: SPOT/MARGIN/SWAP/FUTURES/OPTION).
        if (!INST_TYPES.has(arg.instType ?? '')) {
          sendError(c, '60012', invalidRequest(text), id);
          continue;
        }
      } else if (!isPrivate && !market.instrument(instId)) {
        sendError(c, '60018', wrongUrl(raw), id);
        continue;
      }
      if ((ch.kind === 'orders' || ch.kind === 'positions') && !arg.instType) {
        sendError(c, '60012', invalidRequest(text), id);
        continue;
      }
      const key = JSON.stringify([
        arg.channel,
        arg.instId ?? '',
        arg.instType ?? '',
        arg.ccy ?? '',
        arg.instFamily ?? '',
      ]);
      if (op === 'subscribe' && isPrivate && !c.subs.has(key) && !hasChannel(c, ch.kind)) {
        // facts §2.5: at most 30 connections per private channel per account
        const used = [...conns].filter(
          (o) => o !== c && o.account === c.account && hasChannel(o, ch.kind),
        ).length;
        if (used >= PRIVATE_CHANNEL_CONNS) {
          send(c, {
            event: 'channel-conn-count-error',
            channel: arg.channel,
            connCount: String(PRIVATE_CHANNEL_CONNS),
            connId: c.connId,
          });
          continue;
        }
      }
      const ackArg = { ...arg };
      send(c, { ...(id !== undefined ? { id } : {}), event: op, arg: ackArg, connId: c.connId });
      if (op === 'unsubscribe') {
        c.subs.delete(key);
        continue;
      }
      const existed = c.subs.has(key);
      const sub: Sub = { key, arg: ackArg, ch, instId };
      c.subs.set(key, sub);
      if (!existed) initialPush(c, sub);
    }
  };

  // --- pushes ------------------------------------------------------------------------------

  const privArg = (c: Conn, sub: Sub) => ({ ...sub.arg, uid: c.uid });

  const initialPush = (c: Conn, sub: Sub) => {
    const { ch, instId } = sub;
    switch (ch.kind) {
      case 'books': {
        sub.bookPushAt = clock.now();
        if (opts.noBookSnapshot) break;
        const d = market.depth(instId, 400);
        sub.lastSeqId = d.seqId;
        send(c, {
          arg: sub.arg,
          action: 'snapshot',
          data: [
            {
              asks: d.asks,
              bids: d.bids,
              ts: String(d.ts),
              checksum: checksumOf(d.bids, d.asks),
              prevSeqId: -1,
              seqId: d.seqId,
            },
          ],
        });
        break;
      }
      case 'books5':
      case 'bbo-tbt':
        sub.bookPushAt = clock.now();
        send(c, topPayload(sub));
        break;
      case 'tickers':
        send(c, { arg: sub.arg, data: [market.ticker(instId)] });
        break;
      case 'instruments':
        // The instType's instruments on subscribe; the local exchange lists SPOT only.
        if (sub.arg.instType === 'SPOT')
          send(c, { arg: sub.arg, data: market.instruments().map(instrumentToOkx) });
        break;
      case 'balance_and_position':
        // Snapshot: every non-zero cash balance; a spot account has no positions.
        if (c.account !== undefined)
          sendBalPos(c, sub, {
            ts: clock.now(),
            eventType: 'snapshot',
            balData: engine.cashBalances(c.account),
            trades: [],
          });
        break;
      case 'candle': {
        const row = market.candles(instId, ch.bar, { limit: 1, history: ch.bar === '1s' })[0];
        if (row) {
          sub.barTs = Number(row[0]);
          send(c, { arg: sub.arg, data: [row] });
        }
        break;
      }
      case 'positions':
        // spot accounts have no positions: OKX still answers the subscription with a push
        send(c, { arg: privArg(c, sub), data: [] });
        break;
      case 'account': {
        const a0 = c.account !== undefined ? lastAccount.get(c.account) : undefined;
        if (a0) send(c, { arg: privArg(c, sub), data: [forCcy(a0, sub.arg.ccy)] });
        break;
      }
      default:
        break;
    }
  };

  const checksumOf = (bids: readonly BookLevel[], asks: readonly BookLevel[]) =>
    opts.zeroChecksum ? 0 : bookChecksum(bids, asks);

  const topPayload = (sub: Sub) => {
    const n = sub.ch.kind === 'books5' ? 5 : 1;
    const d = market.depth(sub.instId, n);
    const data: Json = { asks: d.asks, bids: d.bids, ts: String(d.ts), seqId: d.seqId };
    if (n === 5) data.instId = sub.instId;
    return { arg: sub.arg, data: [data] };
  };

  const onMarket = (u: MarketUpdate) => {
    // Gather this instrument's subscribers once; most updates have none.
    const targets: [Conn, Sub][] = [];
    for (const c of conns) {
      const mine: Sub[] = [];
      for (const s of c.subs.values()) if (s.instId === u.instId && !isPrivateKind(s.ch.kind)) mine.push(s);
      // facts §3: within a connection, bbo-tbt, then books, then books5
      if (mine.length > 1) mine.sort((a, b) => PUSH_RANK[a.ch.kind] - PUSH_RANK[b.ch.kind]);
      for (const s of mine) targets.push([c, s]);
    }
    if (targets.length === 0) return;
    let bookMsg: string | undefined;
    let top: { b5: string; bbo: string } | undefined;
    let tickerMsg: Json | undefined;
    const topNow = () => {
      if (top) return top;
      const d5 = market.depth(u.instId, 5);
      top = {
        b5: JSON.stringify({ asks: d5.asks, bids: d5.bids }),
        bbo: JSON.stringify({ asks: d5.asks.slice(0, 1), bids: d5.bids.slice(0, 1) }),
      };
      return top;
    };
    const prevTop = lastTop.get(u.instId);
    for (const [c, s] of targets) {
      switch (s.ch.kind) {
        case 'books':
          if (!u.book) break;
          if (bookMsg === undefined) {
            const d = market.depth(u.instId, 25);
            bookMsg = JSON.stringify({
              asks: u.book.asks,
              bids: u.book.bids,
              ts: String(u.book.ts),
              checksum: checksumOf(d.bids, d.asks),
              prevSeqId: u.book.prevSeqId,
              seqId: u.book.seqId,
            });
          }
          send(c, `{"arg":${JSON.stringify(s.arg)},"action":"update","data":[${bookMsg}]}`);
          s.bookPushAt = clock.now();
          s.lastSeqId = u.book.seqId;
          break;
        case 'books5':
          if (u.book && topNow().b5 !== prevTop?.b5) {
            send(c, topPayload(s));
            s.bookPushAt = clock.now();
          }
          break;
        case 'bbo-tbt':
          if (u.book && topNow().bbo !== prevTop?.bbo) {
            send(c, topPayload(s));
            s.bookPushAt = clock.now();
          }
          break;
        case 'tickers':
          if (u.trades.length === 0 && !(u.book && topNow().bbo !== prevTop?.bbo)) break;
          tickerMsg ??= { data: [market.ticker(u.instId)] };
          send(c, { arg: s.arg, ...tickerMsg });
          break;
        case 'trades':
          if (u.trades.length === 0) break;
          send(c, {
            arg: s.arg,
            // The trades channel adds the number of aggregated trades; each of ours is one.
            data: u.trades.map((t) => ({ ...tradePayload(t), count: '1' })),
          });
          break;
        case 'trades-all':
          for (const t of u.trades) {
            send(c, {
              arg: s.arg,
              data: [tradePayload(t)],
            });
          }
          break;
        case 'candle':
          pushCandle(c, s, u.ts);
          break;
        default:
          break;
      }
    }
    if (u.book) lastTop.set(u.instId, topNow());
  };

  const pushCandle = (c: Conn, s: Sub, ts: number) => {
    if (s.ch.kind !== 'candle') return;
    const bar = s.ch.bar;
    const history = bar === '1s';
    const start = barStart(bar, ts);
    if (s.barTs !== undefined && start !== s.barTs) {
      // the bar rolled over: its final state, confirmed
      const closed = market.candles(s.instId, bar, { after: s.barTs + 1, limit: 1, history })[0];
      if (closed && Number(closed[0]) === s.barTs) send(c, { arg: s.arg, data: [closed] });
      s.barTs = start;
      s.lastPushTs = undefined;
    }
    if (s.lastPushTs !== undefined && ts - s.lastPushTs < CANDLE_PUSH_MS) return;
    const row = market.candles(s.instId, bar, { limit: 1, history })[0];
    if (!row) return;
    s.barTs = Number(row[0]);
    s.lastPushTs = ts;
    send(c, { arg: s.arg, data: [row] });
  };

  // A market without onUpdate (a small fake) still answers subscriptions with their first push.
  const offMarket = market.onUpdate ? market.onUpdate(onMarket) : () => {};

  const offOrder = engine.onOrder((account, order) => {
    for (const c of conns) {
      if (c.account !== account) continue;
      for (const s of c.subs.values()) {
        if (s.ch.kind !== 'orders') continue;
        const t = s.arg.instType;
        if (t !== 'ANY' && t !== (order.instType ?? 'SPOT')) continue;
        if (s.arg.instId && s.arg.instId !== order.instId) continue;
        send(c, { arg: privArg(c, s), data: [order] });
      }
    }
  });

  const offAccount = engine.onAccount((account, a0) => {
    lastAccount.set(account, a0);
    for (const c of conns) {
      if (c.account !== account) continue;
      for (const s of c.subs.values())
        if (s.ch.kind === 'account') send(c, { arg: privArg(c, s), data: [forCcy(a0, s.arg.ccy)] });
    }
  });

  /** One balance_and_position push; a spot account has no positions. */
  const sendBalPos = (
    c: Conn,
    s: Sub,
    e: { ts: number; eventType: string; balData: unknown[]; trades: unknown[] },
  ) =>
    send(c, {
      arg: privArg(c, s),
      data: [
        { pTime: String(e.ts), eventType: e.eventType, balData: e.balData, posData: [], trades: e.trades },
      ],
    });

  const offBalance = engine.onBalance((account, change) => {
    for (const c of conns) {
      if (c.account !== account) continue;
      for (const s of c.subs.values()) {
        if (s.ch.kind === 'balance_and_position') sendBalPos(c, s, change);
      }
    }
  });

  // --- time-driven duties (sim clock) ---------------------------------------------------------

  /** facts §3.1: no depth change for ~60 s -> an empty increment on books, the snapshot again on books5/bbo-tbt. */
  const bookHeartbeat = (c: Conn, s: Sub, now: number) => {
    if (s.bookPushAt === undefined || now - s.bookPushAt < bookHeartbeatMs) return;
    s.bookPushAt = now;
    if (s.ch.kind === 'books') {
      const d = market.depth(s.instId, 25);
      const seqId = s.lastSeqId ?? d.seqId;
      send(c, {
        arg: s.arg,
        action: 'update',
        data: [
          {
            asks: [],
            bids: [],
            ts: String(now),
            checksum: checksumOf(d.bids, d.asks),
            prevSeqId: seqId,
            seqId,
          },
        ],
      });
    } else {
      send(c, topPayload(s));
    }
  };

  const tick = () => {
    const now = clock.now();
    for (const c of conns) {
      if (c.upgradeAt !== undefined && now >= c.upgradeAt) {
        c.upgradeAt = undefined;
        c.ws.close(UPGRADE_CLOSE, 'Service upgrade');
        continue;
      }
      for (const s of c.subs.values()) {
        const k = s.ch.kind;
        if (k === 'books' || k === 'books5' || k === 'bbo-tbt') bookHeartbeat(c, s, now);
      }
    }
  };

  const announceUpgrade = (notice: WsUpgradeNotice = {}): number => {
    const paths = notice.paths ?? ['public', 'private'];
    const at = clock.now() + (notice.closeAfterMs ?? 60_000);
    let told = 0;
    for (const c of conns) {
      if (!paths.includes(c.path) || c.upgradeAt !== undefined) continue;
      // facts §2.3: the notice comes ~60 s before the upgrade; the client should move to a new connection.
      send(c, { event: 'notice', code: '64008', msg: errorMessage('64008'), connId: c.connId });
      c.upgradeAt = at;
      told++;
    }
    return told;
  };

  // --- WS order ops (facts §2.6) -------------------------------------------------------------

  const tradeOp = async (c: Conn, op: string, m: Json, text: string) => {
    const inTime = micros(clock.now());
    const id = m.id;
    if (typeof id !== 'string' || !WS_ID.test(id)) return sendError(c, '60012', invalidRequest(text));
    const reply = (
      code: string,
      msg: string,
      data: unknown[] = [],
      times?: { inTime?: unknown; outTime?: unknown },
    ) =>
      send(c, {
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
    const args = m.args;
    if (
      !Array.isArray(args) ||
      args.length === 0 ||
      !args.every((a) => a && typeof a === 'object' && !Array.isArray(a))
    ) {
      return reply('60013', errorMessage('60013'));
    }
    if (m.expTime !== undefined) {
      const exp = Number(m.expTime);
      if (!/^\d+$/.test(String(m.expTime))) return reply('60013', errorMessage('60013'));
      if (clock.now() > exp) return reply('50037', errorMessage('50037'));
    }
    if (!opts.trade) return reply('60028', errorMessage('60028'));
    const refused = c.key ? checkWsOp(c.key, op, c.peer) : undefined;
    if (refused) return reply(refused.code, errorMessage(refused.code, ...(refused.params ?? [])));
    try {
      const r = await opts.trade.handle(c.account, op, args as Record<string, unknown>[]);
      reply(String(r.code ?? '0'), String(r.msg ?? ''), Array.isArray(r.data) ? r.data : [], r);
    } catch {
      reply('50026', errorMessage('50026'));
    }
  };

  // --- handle ------------------------------------------------------------------------------

  return {
    dropConnections(): void {
      for (const c of conns) c.ws.terminate();
    },
    connectionCount(): number {
      return conns.size;
    },
    announceUpgrade,
    tick,
    async close(): Promise<void> {
      server.off('upgrade', onUpgrade);
      offMarket();
      offOrder();
      offAccount();
      offBalance();
      for (const c of conns) {
        clearTimeout(c.idle);
        c.ws.terminate();
      }
      conns.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const PUSH_RANK: Record<ChannelKind['kind'], number> = {
  'bbo-tbt': 0,
  books: 1,
  books5: 2,
  tickers: 3,
  trades: 4,
  'trades-all': 5,
  candle: 6,
  vip: 7,
  orders: 8,
  account: 9,
  positions: 10,
  balance_and_position: 11,
  instruments: 12,
};

function hasChannel(c: Conn, kind: ChannelKind['kind']): boolean {
  for (const s of c.subs.values()) if (s.ch.kind === kind) return true;
  return false;
}

/** The account channel subscribed with `ccy` carries only that currency's details. */
function forCcy(a0: Record<string, unknown>, ccy: string | undefined): Record<string, unknown> {
  if (!ccy || !Array.isArray(a0.details)) return a0;
  return {
    ...a0,
    details: a0.details.filter(
      (d) => d && typeof d === 'object' && (d as Record<string, unknown>).ccy === ccy,
    ),
  };
}

/** 60012 echoes the request, as OKX does, but never a login's passphrase or signature. */
function invalidRequest(text: string): string {
  const echo = /passphrase|sign|secret/i.test(text) ? '{"op":"login"}' : text.slice(0, 200);
  return `Invalid request: ${echo}`;
}

function micros(ms: number): string {
  return `${Math.floor(ms)}000`;
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
