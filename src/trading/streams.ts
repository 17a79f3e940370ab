import type { Credentials } from '../client/credentials.js';
import type { Site } from '../protocol/hosts.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { OkxWsClient, urlsFor, type WsUrls } from '../ws/client.js';

/** Credentials for the private WebSocket login (the same key the REST client signs with). */
export type StreamCredentials = Credentials;
export type { WsUrls };

/** What is needed of a REST client to find its WebSocket hosts: OkxClient has it. */
export interface StreamHost {
  readonly baseUrl?: string;
  readonly site?: Site;
  readonly demo?: boolean;
  readonly clockOffsetMs: number;
  syncClock?(): Promise<unknown>;
}

export interface StreamClientOptions {
  /** Log in on /private (orders channel); without, only public channels stream. */
  credentials?: StreamCredentials;
  /** Explicit URLs; otherwise derived from the REST client's base URL, site and demo flag. */
  urls?: WsUrls;
  clock?: Clock;
  logger?: Logger;
}

/**
 * The WebSocket client that goes with a REST client: the same site's WS hosts for an OKX REST
 * host (demo hosts in demo mode, docs/OKX-PROTOCOL.md §1.3), the same origin for any other base URL (the local
 * exchange serves /ws/v5/public, /private and /business). undefined when no URL can be known.
 */
export function streamClientFor(host: StreamHost, opts: StreamClientOptions = {}): OkxWsClient | undefined {
  let urls = opts.urls;
  if (!urls) {
    if (!host.baseUrl) return undefined;
    urls = urlsFor({ baseUrl: host.baseUrl, site: host.site, demo: host.demo });
  }
  const sync = host.syncClock?.bind(host);
  return new OkxWsClient({
    urls,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    // WS login timestamps are judged on server time (docs/OKX-PROTOCOL.md §2.2): the REST client's offset.
    clockSource: {
      get clockOffsetMs() {
        return host.clockOffsetMs;
      },
      syncClock: async () => {
        if (sync) await sync();
        return { offsetMs: host.clockOffsetMs };
      },
    },
  });
}
