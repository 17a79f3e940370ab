import type { Clock } from '../util/clock.js';

/**
 * The offset between this machine's clock and OKX's (docs/REQUIREMENTS.md R8). Measured from GET /api/v5/public/time:
 * the server stamped its time somewhere inside the round trip, so the midpoint of the local send
 * and receive times is the best local estimate of that instant.
 */
export class ClockSync {
  offsetMs = 0;
  rttMs = 0;
  /** Local time of the last measurement; undefined before the first. */
  measuredAt: number | undefined;

  constructor(private readonly clock: Clock) {}

  /** Server time estimate, ms. */
  now(): number {
    return this.clock.now() + this.offsetMs;
  }

  record(sentAt: number, receivedAt: number, serverMs: number): { offsetMs: number; rttMs: number } {
    this.rttMs = receivedAt - sentAt;
    this.offsetMs = Math.round(serverMs - (sentAt + receivedAt) / 2);
    this.measuredAt = receivedAt;
    return { offsetMs: this.offsetMs, rttMs: this.rttMs };
  }
}

/** "41.2 s ahead of OKX" style text for hints. */
export function describeDrift(offsetMs: number): string {
  const s = Math.abs(offsetMs / 1000).toFixed(1);
  // offset = server - local: positive means the local clock is behind
  return offsetMs >= 0 ? `your clock is ${s} s behind OKX` : `your clock is ${s} s ahead of OKX`;
}
