import type { Clock } from '../util/clock.js';

/** One exchange of GET /api/v5/public/time: local send and receive times and the server's stamp. */
export interface ClockSample {
  sentAt: number;
  receivedAt: number;
  serverMs: number;
}

export interface ClockEstimate {
  /** server time - local time, ms. */
  offsetMs: number;
  /** Round trip of the sample the offset comes from, ms. */
  rttMs: number;
  /**
   * The offset is right within +- this many ms: the server stamped its time somewhere inside
   * the round trip, so the midpoint is off by at most half of it (NTP's bound).
   */
  errorMs: number;
}

/** Earliest and latest server times okxkit believes: 2015-01-01 .. 2100-01-01 (ms). */
export const PLAUSIBLE_SERVER_MS = { min: 1_420_070_400_000, max: 4_102_444_800_000 } as const;

/**
 * The offset between this machine's clock and OKX's (docs/REQUIREMENTS.md R8), measured the way NTP does: several
 * samples of GET /api/v5/public/time, the one with the shortest round trip wins (a latency spike
 * on one leg skews the midpoint by up to half the round trip, so the fastest sample is the most
 * trustworthy), and the estimate carries its error bound, half that round trip. Samples older
 * than `maxAgeMs` are forgotten, so a re-sync after the clocks drifted replaces them.
 */
export class ClockSync {
  offsetMs = 0;
  rttMs = 0;
  /** +- bound on offsetMs; Infinity before the first measurement. */
  errorMs = Number.POSITIVE_INFINITY;
  /** Local time of the last measurement; undefined before the first. */
  measuredAt: number | undefined;
  readonly #samples: ClockSample[] = [];
  readonly #maxAgeMs: number;
  readonly #keep: number;

  constructor(
    private readonly clock: Clock,
    opts: { maxAgeMs?: number; keep?: number } = {},
  ) {
    this.#maxAgeMs = opts.maxAgeMs ?? 15 * 60_000;
    this.#keep = opts.keep ?? 16;
  }

  /** Server time estimate, ms. */
  now(): number {
    return this.clock.now() + this.offsetMs;
  }

  /**
   * Adds one sample and re-derives the estimate from the fastest recent one. Returns the
   * estimate now in force (which may come from an earlier, faster sample).
   */
  record(sentAt: number, receivedAt: number, serverMs: number): ClockEstimate {
    this.#samples.push({ sentAt, receivedAt, serverMs });
    const oldest = receivedAt - this.#maxAgeMs;
    while (this.#samples.length > this.#keep || (this.#samples[0]?.receivedAt ?? oldest) < oldest)
      this.#samples.shift();
    let best = this.#samples[0]!;
    for (const s of this.#samples) if (s.receivedAt - s.sentAt < best.receivedAt - best.sentAt) best = s;
    this.rttMs = best.receivedAt - best.sentAt;
    this.offsetMs = Math.round(best.serverMs - (best.sentAt + best.receivedAt) / 2);
    this.errorMs = Math.ceil(this.rttMs / 2);
    this.measuredAt = receivedAt;
    return this.estimate();
  }

  /** Forgets every sample (e.g. after the system clock was stepped): the next record starts afresh. */
  reset(): void {
    this.#samples.length = 0;
  }

  estimate(): ClockEstimate {
    return { offsetMs: this.offsetMs, rttMs: this.rttMs, errorMs: this.errorMs };
  }
}

/** "41.2 s ahead of OKX" style text for hints. */
export function describeDrift(offsetMs: number): string {
  const s = Math.abs(offsetMs / 1000).toFixed(1);
  // offset = server - local: positive means the local clock is behind
  return offsetMs >= 0 ? `your clock is ${s} s behind OKX` : `your clock is ${s} s ahead of OKX`;
}
