import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A stand-in for OKX's public WebSocket on loopback: answers `subscribe` with OKX's ack and then
 * replays the recorded pushes of that channel, in order; `push()` sends a further push to every
 * subscriber of its arg (a test's next event). Paths /ws/v5/public and /ws/v5/business.
 */
export interface ReplayServer {
  /** Base URL for `--mirror-url`: ws://127.0.0.1:<port>/ws/v5 */
  readonly base: string;
  push(msg: { arg: Record<string, string> } & Record<string, unknown>): void;
  /** Subscriptions received, as "path channel instId". */
  readonly subscriptions: string[];
  close(): Promise<void>;
}

const argKey = (a: Record<string, unknown>) =>
  JSON.stringify(
    Object.keys(a)
      .sort()
      .map((k) => [k, a[k]]),
  );

export function loadRecording(
  path: string,
): Array<{ arg: Record<string, string> } & Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('//'))
    .map((l) => JSON.parse(l) as { arg: Record<string, string> } & Record<string, unknown>);
}

export async function startReplayServer(recording: ReturnType<typeof loadRecording>): Promise<ReplayServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const subs = new Map<string, Set<WebSocket>>();
  const subscriptions: string[] = [];
  wss.on('connection', (ws, req) => {
    const path = req.url ?? '';
    ws.on('message', (buf) => {
      const text = buf.toString();
      if (text === 'ping') return ws.send('pong');
      const msg = JSON.parse(text) as { id?: string; op?: string; args?: Record<string, string>[] };
      if (msg.op !== 'subscribe' && msg.op !== 'unsubscribe') return;
      for (const arg of msg.args ?? []) {
        const key = argKey(arg);
        if (msg.op === 'unsubscribe') {
          subs.get(key)?.delete(ws);
          ws.send(JSON.stringify({ event: 'unsubscribe', arg, connId: 'replay' }));
          continue;
        }
        subscriptions.push(`${path} ${arg.channel} ${arg.instId ?? arg.instType ?? ''}`);
        if (!subs.has(key)) subs.set(key, new Set());
        subs.get(key)!.add(ws);
        ws.send(
          JSON.stringify({ ...(msg.id ? { id: msg.id } : {}), event: 'subscribe', arg, connId: 'replay' }),
        );
        for (const m of recording) if (argKey(m.arg) === key) ws.send(JSON.stringify(m));
      }
    });
    ws.on('close', () => {
      for (const s of subs.values()) s.delete(ws);
    });
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    base: `ws://127.0.0.1:${port}/ws/v5`,
    subscriptions,
    push(msg) {
      for (const ws of subs.get(argKey(msg.arg)) ?? []) ws.send(JSON.stringify(msg));
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
