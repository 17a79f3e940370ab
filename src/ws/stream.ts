import { OkxkitError } from '../util/errors.js';
/**
 * A channel's pushes as an async iterator (`for await (const t of ws.tickers('BTC-USDT'))`).
 * Breaking out of the loop (or close()) unsubscribes. A subscription refused by OKX ends the
 * loop with its typed error. A consumer slower than the feed loses the oldest items beyond
 * `maxBuffer` rather than growing memory without bound; `dropped` counts them.
 */
export class WsStream<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private done = false;
  private failure: Error | undefined;
  private onClose: (() => void) | undefined;
  dropped = 0;

  constructor(private readonly maxBuffer = 10_000) {}

  /** Called once by the owner: what to do when the consumer stops. */
  setOnClose(fn: () => void): void {
    this.onClose = fn;
  }

  push(item: T): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
      return;
    }
    if (this.queue.length - this.head >= this.maxBuffer) {
      this.head++;
      this.dropped++;
    }
    this.queue.push(item);
  }

  /** Ends the stream with an error (after the items already queued). */
  fail(err: unknown): void {
    if (this.done) return;
    // the consumer's for-await rejects with an Error, whatever the owner failed with
    this.failure = err instanceof Error ? err : new OkxkitError(String(err), { code: 'WS_STREAM' });
    this.done = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      if (this.head >= this.queue.length) w.reject(err);
    }
    this.onClose?.();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.done) {
      if (this.failure !== undefined) {
        const f = this.failure;
        this.failure = undefined;
        return Promise.reject(f);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Stops the stream and unsubscribes. */
  close(): void {
    if (!this.done) {
      this.done = true;
      this.onClose?.();
    }
    this.queue.length = 0;
    this.head = 0;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
