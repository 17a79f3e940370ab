import type { BookLevel } from '../protocol/book-checksum.js';
import type { ChannelArg } from './channels.js';
import type { OkxWsClient, WsSubscription } from './client.js';
import { TypedEmitter } from './emitter.js';
import { OkxWsError } from './errors.js';
import {
  OrderBook,
  type BookApplyResult,
  type BookChannel,
  type BookData,
  type BookSnapshot,
} from './order-book.js';

/** Options of `LiveOrderBook`: book channel, checksum verification and a REST snapshot source to repair gaps. */
export interface LiveOrderBookOptions {
  /** Default 'books' (400 levels, 100 ms increments). */
  channel?: BookChannel;
  verifyChecksum?: boolean;
  /**
   * GET /api/v5/market/books snapshot (with seqId). When given, a gap or mismatch is repaired
   * with it plus the buffered updates (docs/OKX-PROTOCOL.md §3.3), and so is a feed that starts without a
   * snapshot push; otherwise the channel is resubscribed, which makes OKX push a new snapshot.
   * An OkxClient fits: `(id) => client.market.books(id, '400')` mapped to {bids, asks, seqId}.
   */
  fetchSnapshot?: (instId: string) => Promise<BookSnapshot>;
  /** Attempts at a snapshot that is not older than the buffered updates. Default 5. */
  snapshotRetries?: number;
}

/** Events of `LiveOrderBook`: change, resync started and synced again. */
export interface LiveOrderBookEvents {
  change: (book: OrderBook) => void;
  /** A resync started (gap, checksum mismatch, or no snapshot). */
  resync: (info: { reason: string; detail: string }) => void;
  /** The book is in sync again after a resync or a reconnect. */
  synced: (book: OrderBook) => void;
  error: (err: OkxWsError) => void;
}

/**
 * An OrderBook fed by a WS book channel that keeps itself correct: a gap or checksum mismatch
 * resets it and resyncs; a dropped connection marks it stale until the fresh snapshot pushed
 * after resubscription.
 */
export class LiveOrderBook extends TypedEmitter<LiveOrderBookEvents> {
  readonly book: OrderBook;
  readonly arg: ChannelArg;
  /** Resolves when the first snapshot is loaded (rejects if the subscription is refused). */
  readonly ready: Promise<void>;
  /** Number of resyncs so far. */
  resyncs = 0;
  /** Pushes applied straight from the raw text (OrderBook.applyScanned), without JSON.parse. */
  rawApplied = 0;
  private readonly sub: WsSubscription;
  private readonly opts: LiveOrderBookOptions;
  private fetching = false;
  private wasSynced = false;
  private closed = false;
  private resolveReady!: () => void;

  constructor(
    private readonly client: OkxWsClient,
    readonly instId: string,
    opts: LiveOrderBookOptions = {},
  ) {
    super();
    this.opts = opts;
    const channel = opts.channel ?? 'books';
    this.arg = { channel, instId };
    this.book = new OrderBook(instId, { channel, verifyChecksum: opts.verifyChecksum });
    this.book.on('change', (b) => {
      if (!this.wasSynced) {
        this.wasSynced = true;
        this.resolveReady();
        this.emit('synced', b);
      }
      this.emit('change', b);
    });
    this.book.on('resync', (reason, detail) => this.startResync(reason, detail));
    let rejectReady!: (e: unknown) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      rejectReady = reject;
    });
    // Whoever awaits `ready` gets its rejection (and the client emits the error); this only keeps an
    // un-awaited one from being unhandled.
    this.ready.catch(() => undefined);
    // Book pushes are read from the raw text when laid out as OKX sends them (applyRaw's
    // scanner); anything else arrives parsed through onPush, with the same checks.
    this.sub = client.subscribe(this.arg, (push) => this.onPush(push.data, push.action), {
      raw: (raw) => this.onRaw(raw),
    });
    this.sub.ready.catch((err: unknown) => rejectReady(err));
    const conn = client.connection('public');
    conn.on('close', this.onClose);
  }

  bestBid(): readonly [string, string] | undefined {
    return this.book.bestBid();
  }
  bestAsk(): readonly [string, string] | undefined {
    return this.book.bestAsk();
  }
  depth(n?: number): { bids: BookLevel[]; asks: BookLevel[] } {
    return this.book.depth(n);
  }
  spread(): string | undefined {
    return this.book.spread();
  }
  mid(): string | undefined {
    return this.book.mid();
  }
  get isSynced(): boolean {
    return this.book.isSynced;
  }

  close(): void {
    this.closed = true;
    this.sub.close();
    this.client.connection('public').off('close', this.onClose);
  }

  private readonly onClose = (): void => {
    // Updates missed while disconnected: stale until the snapshot that follows resubscription.
    this.book.reset();
    this.wasSynced = false;
  };

  private onRaw(raw: string): boolean {
    const r = this.book.applyScanned(raw);
    if (r === undefined) return false;
    this.rawApplied++;
    this.afterApply(r, this.book.scannedAction, () => this.book.applyRaw(raw));
    return true;
  }

  private onPush(data: unknown[], action: string | undefined): void {
    const d = data[0] as BookData | undefined;
    if (!d) return;
    this.afterApply(this.book.apply(d, action), action, () => this.book.apply(d, action));
  }

  /** What a push's result calls for; `again` applies the same push once more. */
  private afterApply(r: BookApplyResult, action: string | undefined, again: () => unknown): void {
    if (r === 'invalid') {
      this.client.emitError(
        new OkxWsError(`${this.arg.channel} ${this.instId}: malformed book push dropped`, {
          code: 'WS_BAD_MESSAGE',
          endpoint: 'public',
        }),
      );
    } else if (
      r === 'ignored' &&
      !this.book.isSynced &&
      this.opts.fetchSnapshot &&
      !this.fetching &&
      action === 'update'
    ) {
      // No snapshot push (delisted in 2026, docs/OKX-PROTOCOL.md §3.3): build the book from REST.
      this.startResync('no-snapshot', 'an update arrived before any snapshot');
      again();
    }
  }

  private startResync(reason: string, detail: string): void {
    if (this.closed) return;
    this.resyncs++;
    this.wasSynced = false;
    this.emit('resync', { reason, detail });
    this.client.emitBookResync({ instId: this.instId, channel: this.arg.channel, reason, detail });
    if (this.opts.fetchSnapshot) {
      this.book.startBuffering();
      if (!this.fetching) void this.restSync();
    } else {
      this.client.resubscribe(this.arg);
    }
  }

  private async restSync(): Promise<void> {
    this.fetching = true;
    try {
      const tries = this.opts.snapshotRetries ?? 5;
      for (let i = 0; i < tries && !this.closed; i++) {
        const snap = await this.opts.fetchSnapshot!(this.instId);
        if (this.closed) return;
        const r = this.book.loadSnapshot(snap);
        if (r === 'invalid')
          throw new OkxWsError('the snapshot has no valid levels or seqId', {
            code: 'BOOK_SNAPSHOT_INVALID',
            endpoint: 'public',
          });
        // 'retry': the snapshot is older than the buffered updates; a gap while replaying
        // them has already restarted buffering: fetch again either way.
        if (r !== 'retry' && r !== 'gap' && r !== 'checksum') return;
      }
      // Still no usable snapshot: fall back on a resubscription.
      this.client.resubscribe(this.arg);
    } catch (err) {
      const e = new OkxWsError(
        `book snapshot for ${this.instId} failed: ${err instanceof Error ? err.message : String(err)}`,
        {
          code: 'BOOK_SNAPSHOT_FAILED',
          endpoint: 'public',
          hint: 'The book resubscribes instead; check the REST client.',
          cause: err,
        },
      );
      this.client.emitError(e);
      this.client.resubscribe(this.arg);
    } finally {
      this.fetching = false;
    }
  }
}
