import { Pool, ProxyAgent, type Dispatcher } from 'undici';

export interface TransportOptions {
  proxy?: string;
  /** Keep-alive connections per origin. Default 16. */
  connections?: number;
  /** No response headers (or a body stalled) within this many ms -> timeout error. Default 10_000. */
  timeoutMs?: number;
}

export interface TransportResponse {
  status: number;
  text: string;
}

/**
 * HTTP(S) over one keep-alive undici dispatcher: a Pool for the origin, or a ProxyAgent when a
 * proxy is configured (docs/REQUIREMENTS.md R34). Returns the raw status and body text; the client interprets them.
 */
export class Transport {
  readonly origin: string;
  /** Path prefix of the base URL ("" for an origin), kept for hosts behind a path. */
  readonly prefix: string;
  readonly #dispatcher: Dispatcher;

  constructor(baseUrl: string, opts: TransportOptions = {}) {
    const u = new URL(baseUrl);
    this.origin = u.origin;
    this.prefix = u.pathname.replace(/\/+$/, '');
    // The timeouts live on the dispatcher, so nothing is re-validated per request. Without them
    // undici waits 300 s: a hung order request must surface as an ambiguous timeout long before.
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
    this.#dispatcher = opts.proxy
      ? new ProxyAgent({ uri: opts.proxy, keepAliveTimeout: 30_000, ...timeouts })
      : new Pool(this.origin, {
          connections: opts.connections ?? 16,
          keepAliveTimeout: 30_000,
          pipelining: 1,
          ...timeouts,
        });
  }

  /**
   * One request through undici's dispatch API: the body is collected straight into a string,
   * without the Readable stream the request() API builds around each response.
   */
  send(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<TransportResponse> {
    return new Promise<TransportResponse>((resolve, reject) => {
      this.#dispatcher.dispatch(
        { origin: this.origin, path: this.prefix + path, method, headers, body },
        new CollectHandler(resolve, reject),
      );
    });
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

/** Collects one response: status and the whole body as UTF-8 text. */
class CollectHandler implements Dispatcher.DispatchHandler {
  #status = 0;
  #chunks: Buffer[] = [];
  readonly #resolve: (r: TransportResponse) => void;
  readonly #reject: (err: Error) => void;

  constructor(resolve: (r: TransportResponse) => void, reject: (err: Error) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    const c = this.#chunks;
    // Decoded once at the end: a multi-byte character may straddle two chunks.
    const text = c.length === 1 ? c[0]!.toString('utf8') : Buffer.concat(c).toString('utf8');
    this.#resolve({ status: this.#status, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#reject(err);
  }
}
