import { dec } from './money.js';
import type { BotStatus, BotSummary } from './runner.js';

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}

/** A quote amount for people: 4 decimals, signed when asked. */
function money(v: string, sign = false): string {
  if (!v) return '-';
  const s = dec(v).toFixed(4);
  return sign && !s.startsWith('-') ? `+${s}` : s;
}

/** The live status as a few lines. */
export function formatStatus(s: BotStatus): string[] {
  const q = s.quoteCcy;
  const lines = [
    `okxkit ${s.kind} bot ${s.botId} on ${s.instId}, running ${clock(s.now - s.startedMs)}${s.done ? ' (done)' : ''}`,
    `  price    ${s.price || '-'}  (bid ${s.bidPx || '-'} / ask ${s.askPx || '-'})`,
    `  orders   ${s.openOrders} open (${s.openBuys} buy / ${s.openSells} sell), ${s.ordersPlaced} placed, ${s.fills} filled`,
    `  pnl      realised ${money(s.realisedPnl, true)} ${q}, unrealised ${money(s.unrealisedPnl, true)} ${q}, total ${money(s.pnl, true)} ${q}`,
    `  equity   ${money(s.equity)} ${q} (${money(s.equityChange, true)} since start)`,
    ...(s.funding ? [`  funding  ${money(s.funding, true)} ${q} (received + / paid -)`] : []),
    `  risk     ${s.riskHeadroom || 'no limits set'}`,
    `  ${s.detail}`,
  ];
  const last = s.recentEvents.at(-1);
  if (last) lines.push(`  last     ${last.type}: ${last.text}`);
  if (s.halted) lines.push(`  HALTED   ${s.halted}`);
  if (s.lastError)
    lines.push(
      `  error    ${s.lastError}${s.consecutiveFailures ? ` (${s.consecutiveFailures} refused in a row)` : ''}`,
    );
  for (const w of s.warnings ?? []) lines.push(`  warning  ${w}`);
  return lines;
}

/** What went wrong, for the one-line status and the summary; "" when nothing did. */
function trouble(s: BotStatus): string {
  const parts: string[] = [];
  if (s.halted) parts.push(`HALTED: ${s.halted}`);
  if (s.consecutiveFailures) parts.push(`${s.consecutiveFailures} refused in a row`);
  if (s.lastError && !s.halted) parts.push(`last error: ${s.lastError}`);
  return parts.join(' | ');
}

/** One line for logs and pipes. */
export function formatStatusLine(s: BotStatus): string {
  return (
    `[${clock(s.now - s.startedMs)}] ${s.instId} ${s.price || '-'} | open ${s.openOrders} | placed ${s.ordersPlaced} | ` +
    `fills ${s.fills} | realised ${money(s.realisedPnl, true)} | unrealised ${money(s.unrealisedPnl, true)} | ` +
    `equity ${money(s.equity)} ${s.quoteCcy}` +
    (s.funding ? ` | funding ${money(s.funding, true)}` : '') +
    (trouble(s) ? ` | ${trouble(s)}` : '')
  );
}

/** " (0.0000008 BTC + 0.08 USDT)": the fees in the currencies they were charged in. */
function feeBreakdown(fees: Record<string, string> | undefined): string {
  const parts = Object.entries(fees ?? {})
    .filter(([, v]) => !dec(v).isZero())
    .map(([ccy, v]) => `${dec(v).toFixed()} ${ccy}`);
  return parts.length ? ` (${parts.join(' + ')})` : '';
}

/** The end-of-run summary. */
export function formatSummary(s: BotSummary): string {
  const q = s.quoteCcy;
  return [
    `Summary: ${s.kind} bot ${s.botId} on ${s.instId}, ran ${clock(s.runtimeMs)}`,
    `  orders placed      ${s.ordersPlaced}`,
    `  fills              ${s.fills}`,
    `  open orders        ${s.openOrders}${s.canceledOnExit ? ` (${s.canceledOnExit} canceled on exit)` : ''}`,
    `  realised profit    ${money(s.realisedPnl, true)} ${q} (net of fees)`,
    `  fees paid          ${money(s.feesPaid)} ${q}${feeBreakdown(s.feesByCcy)}`,
    `  unrealised PnL     ${money(s.unrealisedPnl, true)} ${q}`,
    ...(s.funding ? [`  funding            ${money(s.funding, true)} ${q} (received + / paid -)`] : []),
    `  bot PnL            ${money(s.pnl, true)} ${q}`,
    `  equity             ${money(s.equity)} ${q} (${money(s.equityChange, true)} since start, holdings included)`,
    `  ${s.detail}`,
    ...(s.halted ? [`  HALTED             ${s.halted}`] : []),
    ...(s.lastError
      ? [
          `  last error         ${s.lastError}${s.consecutiveFailures ? ` (${s.consecutiveFailures} refused in a row)` : ''}`,
        ]
      : []),
    ...(s.warnings ?? []).map((w) => `  warning            ${w}`),
  ].join('\n');
}

export interface StatusOutput {
  write(s: string): unknown;
  isTTY?: boolean;
  /** Terminal width: longer lines are cut so the in-place redraw stays intact. */
  columns?: number;
}

/**
 * Shows the status: redrawn in place on a terminal, one line every `lineEveryMs` otherwise
 * (logs and pipes get no cursor codes).
 */
export class StatusView {
  private drawn = 0;
  private lastLineMs = -Infinity;
  constructor(
    private readonly out: StatusOutput,
    private readonly opts: { lineEveryMs?: number; tty?: boolean } = {},
  ) {}

  get tty(): boolean {
    return this.opts.tty ?? !!this.out.isTTY;
  }

  update(s: BotStatus): void {
    if (this.tty) {
      // A line wider than the terminal wraps, and the redraw would then climb too few lines.
      const width = this.out.columns && this.out.columns > 1 ? this.out.columns - 1 : Infinity;
      const lines = formatStatus(s).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
      // Back to the first line drawn last time, clear below, draw again.
      const up = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : '';
      this.out.write(up + lines.map((l) => `${l}\x1b[K`).join('\n') + '\n');
      this.drawn = lines.length;
      return;
    }
    if (s.now - this.lastLineMs >= (this.opts.lineEveryMs ?? 10_000)) {
      this.lastLineMs = s.now;
      this.out.write(formatStatusLine(s) + '\n');
    }
  }

  /** Leaves the last drawing on screen; what follows is written below it. */
  finish(): void {
    this.drawn = 0;
  }
}
