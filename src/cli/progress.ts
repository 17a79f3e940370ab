import type { DownloadProgress } from '../data/download.js';

/** "1m02s", "3.4s", "2h05m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** One status line: bar (on a TTY), percent, rows, rows/s, ETA. */
export function progressLine(p: DownloadProgress, width = 24): string {
  const frac = p.pagesTotal > 0 ? p.pagesDone / p.pagesTotal : 1;
  const filled = Math.round(frac * width);
  const bar = width > 0 ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
  const eta =
    p.pagesDone >= p.pagesTotal ? 'done' : `ETA ${p.etaMs === undefined ? '?' : formatDuration(p.etaMs)}`;
  return `${p.series} ${bar}${(frac * 100).toFixed(1)}% ${int(p.rows)} rows ${int(p.rowsPerSec)} rows/s ${p.requests} requests ${eta}`;
}

/**
 * Renders download progress to a stream: a redrawn bar on a TTY (at most 10 times a second), else
 * a plain line at each 10 % step and at the end of each series (logs stay short).
 */
export function progressRenderer(
  stream: { write(s: string): unknown; isTTY?: boolean; columns?: number },
  now: () => number = () => Date.now(),
): { update(p: DownloadProgress): void; end(): void } {
  let lastDraw = -Infinity;
  let lastStep = new Map<string, number>();
  let drawn = false;
  const tty = stream.isTTY === true;
  return {
    update(p) {
      const finished = p.pagesDone >= p.pagesTotal;
      if (tty) {
        const t = now();
        if (!finished && t - lastDraw < 100) return;
        lastDraw = t;
        const line = progressLine(p).slice(0, Math.max(20, (stream.columns ?? 100) - 1));
        stream.write(`\r\x1b[2K${line}`);
        drawn = true;
        if (finished) {
          stream.write('\n');
          drawn = false;
        }
        return;
      }
      const step = p.pagesTotal > 0 ? Math.floor((p.pagesDone / p.pagesTotal) * 10) : 10;
      const prev = lastStep.get(p.series);
      if (prev !== undefined && step === prev) return;
      if (prev === undefined && step === 0 && p.pagesDone > 0) return;
      lastStep.set(p.series, step);
      stream.write(`${progressLine(p, 0)}\n`);
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
      lastStep = new Map();
    },
  };
}
