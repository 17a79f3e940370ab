// A minimal order venue over loopback HTTP, used by the crash test: the parent runs the
// "exchange" (a tiny server), a child process places through this venue and is killed.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Order, OrderIntent, OrderRef } from '../../src/trading/exchange-port.js';
import type { ExecutionVenue } from '../../src/trading/executor.js';

export class HttpVenue implements ExecutionVenue {
  constructor(private readonly base: string) {}
  now(): number {
    return Date.now();
  }
  async placeOrder(intent: OrderIntent): Promise<Order> {
    const res = await fetch(`${this.base}/order`, {
      method: 'POST',
      body: JSON.stringify(intent),
      headers: { 'content-type': 'application/json' },
    });
    const body = (await res.json()) as Order | { code: string; msg: string };
    if ('code' in body) throw Object.assign(new Error(body.msg), { code: body.code });
    return body;
  }
  async getOrder(ref: OrderRef): Promise<Order | undefined> {
    const res = await fetch(`${this.base}/order?instId=${ref.instId}&clOrdId=${ref.clOrdId ?? ''}`);
    if (res.status === 404) return undefined;
    return (await res.json()) as Order;
  }
  async openOrders(): Promise<Order[]> {
    return (await (await fetch(`${this.base}/open`)).json()) as Order[];
  }
}

/** The loopback exchange: records orders; `onOrder` may hold the response forever. */
export async function startLoopbackExchange(
  onOrder: (o: Order) => 'respond' | 'hold',
): Promise<{ url: string; orders: Order[]; server: Server; held: ServerResponse[] }> {
  const orders: Order[] = [];
  const held: ServerResponse[] = [];
  let seq = 1;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/order') {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const i = JSON.parse(raw) as OrderIntent;
        if (orders.some((o) => o.clOrdId === i.clOrdId && o.state === 'live'))
          return send(200, { code: '51016', msg: 'Client order ID already exists.' });
        const o: Order = {
          ordId: String(seq++),
          clOrdId: i.clOrdId ?? '',
          instId: i.instId,
          side: i.side,
          ordType: i.ordType,
          px: i.px ?? '',
          sz: i.sz,
          accFillSz: '0',
          avgPx: '',
          state: 'live',
          fee: '0',
          feeCcy: '',
          tag: '',
          cTime: Date.now(),
          uTime: Date.now(),
        };
        orders.push(o);
        if (onOrder(o) === 'hold') held.push(res);
        else send(200, o);
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/order') {
      const hit = orders
        .filter(
          (o) => o.instId === url.searchParams.get('instId') && o.clOrdId === url.searchParams.get('clOrdId'),
        )
        .pop();
      return hit ? send(200, hit) : send(404, { code: '51603', msg: 'Order does not exist.' });
    }
    if (req.method === 'GET' && url.pathname === '/open')
      return send(
        200,
        orders.filter((o) => o.state === 'live'),
      );
    send(404, {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, orders, server, held };
}
