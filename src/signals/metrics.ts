import { Counter, Registry } from 'prom-client';
import type { SignalEngine } from './engine.js';
import type { SignalRecord } from './store.js';

/** The series of the signals server's own GET /metrics. */
export const SIGNAL_SERIES = [
  'okxkit_signals_received_total',
  'okxkit_signals_accepted_total',
  'okxkit_signals_rejected_total',
] as const;

/**
 * Prometheus counters of the signals the engine finished (its `signal` event): every one is
 * received, then either accepted (all its orders placed) or rejected with its stable code as the
 * reason (UNAUTHENTICATED, STALE_TIMESTAMP, RATE_LIMITED, DUPLICATE, LEG_REFUSED, ...). The
 * `source` label is a configured source name, or "unknown" for any other path, so a stranger
 * cannot grow the series without bound.
 */
export class SignalMetrics {
  readonly registry = new Registry();
  private readonly received: Counter<'source'>;
  private readonly accepted: Counter<'source'>;
  private readonly rejected: Counter<'source' | 'reason'>;
  private readonly sources: ReadonlySet<string>;

  constructor(opts: { sources: readonly string[] }) {
    this.sources = new Set(opts.sources);
    const registers = [this.registry];
    this.received = new Counter({
      name: 'okxkit_signals_received_total',
      help: 'Signals received by the webhook (every request the engine recorded), per source',
      labelNames: ['source'],
      registers,
    });
    this.accepted = new Counter({
      name: 'okxkit_signals_accepted_total',
      help: 'Signals accepted: their orders were placed, per source',
      labelNames: ['source'],
      registers,
    });
    this.rejected = new Counter({
      name: 'okxkit_signals_rejected_total',
      help: 'Signals not accepted, per source and reason (the stable code of the answer)',
      labelNames: ['source', 'reason'],
      registers,
    });
    for (const source of this.sources) {
      this.received.inc({ source }, 0);
      this.accepted.inc({ source }, 0);
    }
  }

  /** Counts one finished signal record. */
  observe(r: SignalRecord): void {
    const source = this.sources.has(r.source) ? r.source : 'unknown';
    this.received.inc({ source });
    if (r.status === 'accepted') this.accepted.inc({ source });
    else this.rejected.inc({ source, reason: r.code || r.status.toUpperCase() });
  }

  /** Counts every signal the engine finishes from now on; returns the unsubscribe. */
  follow(engine: SignalEngine): () => void {
    const on = (r: SignalRecord) => this.observe(r);
    engine.on('signal', on);
    return () => void engine.off('signal', on);
  }

  /** The exposition text and its content type. */
  async exposition(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
