import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { realSleep, systemClock, type Clock, type Sleep } from '../util/clock.js';
import { OkxkitError, ValidationError } from '../util/errors.js';

/**
 * Withdrawal watch (docs/REQUIREMENTS.md R25). A bot key should never be able to withdraw, but the account can still
 * be drained by someone else (a leaked main-account login, another key). This polls the funding
 * account's bills (GET /api/v5/asset/bills, docs/OKX-PROTOCOL.md §7.3) and raises an alert for every
 * withdrawal (type 2) and every other outflow (negative balChg) of a type the user did not
 * declare as expected, by default only 131 "to trading account", which okxkit itself causes.
 * What it has seen is kept in a state file, written atomically, so each bill alerts once across
 * restarts.
 */

/** A funding bill as OKX sends it: all strings. */
export interface FundingBill {
  billId: string;
  ccy: string;
  balChg: string;
  bal?: string;
  type: string;
  ts: string;
  notes?: string;
  clientId?: string;
}

/** The part of OkxClient the watch needs. */
export interface FundingBillsSource {
  asset: { bills(params?: Record<string, string>): Promise<readonly FundingBill[]> };
}

/** An alert raised by `WithdrawalWatch`: which bill, its kind and severity, a message and when (ISO-8601). */
export interface WithdrawalAlert {
  kind: 'withdrawal' | 'unexpected-outflow';
  severity: 'critical' | 'warning';
  bill: FundingBill;
  message: string;
  /** ISO-8601 ms. */
  detectedAt: string;
}

export type AlertSink = (alert: WithdrawalAlert) => void | Promise<void>;

/** Funding bill types (docs/OKX-PROTOCOL.md §7.3). */
export const FUNDING_BILL_TYPES: Record<string, string> = {
  '1': 'deposit',
  '2': 'withdrawal',
  '13': 'canceled withdrawal',
  '20': 'transfer to sub account',
  '21': 'transfer from sub account',
  '22': 'transfer out from sub to master account',
  '23': 'transfer in from master to sub account',
  '130': 'transferred from trading account',
  '131': 'transferred to trading account',
};

/** Prints alerts to a stream (stderr by default), one loud line each. */
export function consoleAlertSink(stream: NodeJS.WritableStream = process.stderr): AlertSink {
  return (a) => {
    stream.write(`[okxkit] ALERT ${a.severity.toUpperCase()} ${a.kind}: ${a.message}\n`);
  };
}

/** The withdrawal watch cannot run (code WITHDRAWAL_WATCH), e.g. its state file is unreadable. */
export class WithdrawalWatchError extends OkxkitError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'WITHDRAWAL_WATCH', hint });
  }
}

/** Options of `WithdrawalWatch`: the bills source, the state file, alert sinks, poll interval (ms) and the bill types that are expected outflows. */
export interface WithdrawalWatchOptions {
  client: FundingBillsSource;
  /** Where seen bill ids are kept (JSON, written atomically). */
  statePath: string;
  onAlert?: AlertSink;
  /** Extra sinks; the console sink is added unless `console: false`. */
  sinks?: AlertSink[];
  console?: boolean | NodeJS.WritableStream;
  clock?: Clock;
  sleep?: Sleep;
  /** Poll interval (default 60 s; OKX allows 6 requests/s on this endpoint). */
  intervalMs?: number;
  /** Outflow bill types that are expected and do not alert (default ["131"]). */
  expectedOutflowTypes?: string[];
  /** On the very first run, record existing bills without alerting (default false: report them). */
  baseline?: boolean;
  /** Pages of 100 bills to read back per poll when everything is new (default 10). */
  maxPages?: number;
  onError?: (err: unknown) => void;
}

interface WatchState {
  version: 1;
  seen: string[];
  /** Newest bill ts seen (ms string). */
  lastTs: string;
}

const MAX_SEEN = 5000;

function isOutflow(balChg: string): boolean {
  // Decimal strings compared as text: a leading "-" and any non-zero digit.
  return balChg.startsWith('-') && /[1-9]/.test(balChg);
}

/** Polls the funding-account bills and alerts on every withdrawal or unexpected outflow not seen before; remembers seen bills in a state file. */
export class WithdrawalWatch {
  readonly #o: WithdrawalWatchOptions;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #sinks: AlertSink[];
  readonly #expected: Set<string>;
  #state: WatchState;
  #firstRun: boolean;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(opts: WithdrawalWatchOptions) {
    if (opts.intervalMs !== undefined && !(opts.intervalMs >= 1000)) {
      throw new ValidationError(
        'intervalMs',
        `${opts.intervalMs} is too short`,
        'poll at most once a second',
      );
    }
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#sleep = opts.sleep ?? realSleep;
    this.#expected = new Set(opts.expectedOutflowTypes ?? ['131']);
    this.#sinks = [...(opts.onAlert ? [opts.onAlert] : []), ...(opts.sinks ?? [])];
    if (opts.console !== false)
      this.#sinks.push(
        consoleAlertSink(opts.console === true || opts.console === undefined ? undefined : opts.console),
      );
    const loaded = this.#load();
    this.#firstRun = loaded === undefined;
    this.#state = loaded ?? { version: 1, seen: [], lastTs: '0' };
  }

  /** Classifies one bill: an alert, or undefined when it is expected. */
  classify(bill: FundingBill): Omit<WithdrawalAlert, 'detectedAt'> | undefined {
    const what = `${bill.balChg} ${bill.ccy} (bill ${bill.billId}, type ${bill.type}${FUNDING_BILL_TYPES[bill.type] ? ` ${FUNDING_BILL_TYPES[bill.type]}` : ''}, at ${new Date(Number(bill.ts)).toISOString()})`;
    if (bill.type === '2') {
      return {
        kind: 'withdrawal',
        severity: 'critical',
        bill,
        message: `withdrawal of ${what}. If you did not make it: freeze the account on OKX, delete every API key, change the password and 2FA.`,
      };
    }
    if (isOutflow(bill.balChg) && !this.#expected.has(bill.type)) {
      return {
        kind: 'unexpected-outflow',
        severity: 'warning',
        bill,
        message: `unexpected outflow ${what}. Check it was you.`,
      };
    }
    return undefined;
  }

  /** One poll: reads new bills, alerts once per alerting bill, saves what it has seen. */
  async poll(): Promise<WithdrawalAlert[]> {
    const seen = new Set(this.#state.seen);
    const fresh: FundingBill[] = [];
    const maxPages = this.#o.maxPages ?? 10;
    let after: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const params: Record<string, string> = { limit: '100' };
      if (after) params.after = after;
      const bills = await this.#o.client.asset.bills(params);
      const unseen = bills.filter((b) => !seen.has(b.billId));
      fresh.push(...unseen);
      // OKX returns newest first; once a page holds a bill already seen, the rest is old.
      if (bills.length < 100 || unseen.length < bills.length) break;
      const oldest = bills[bills.length - 1]!.ts;
      if (oldest === after) break;
      after = oldest;
    }
    const alerts: WithdrawalAlert[] = [];
    const silent = this.#firstRun && this.#o.baseline === true;
    // Oldest first, so alerts read in the order things happened.
    const ordered = [...new Map(fresh.map((b) => [b.billId, b])).values()].sort(
      (a, b) => Number(a.ts) - Number(b.ts),
    );
    for (const bill of ordered) {
      const a = silent ? undefined : this.classify(bill);
      if (a) alerts.push({ ...a, detectedAt: new Date(this.#clock.now()).toISOString() });
    }
    for (const a of alerts) await this.#deliver(a);
    // Saved after delivery: a crash in between repeats an alert rather than losing one.
    if (ordered.length) {
      const ids = [...this.#state.seen, ...ordered.map((b) => b.billId)];
      const lastTs = ordered.reduce((m, b) => (Number(b.ts) > Number(m) ? b.ts : m), this.#state.lastTs);
      this.#state = { version: 1, seen: ids.slice(-MAX_SEEN), lastTs };
      this.#save();
    }
    this.#firstRun = false;
    return alerts;
  }

  /** Polls every intervalMs until stop(); errors go to onError and polling continues. */
  start(): void {
    if (this.#loop) return;
    const abort = new AbortController();
    this.#abort = abort;
    const interval = this.#o.intervalMs ?? 60_000;
    this.#loop = (async () => {
      while (!abort.signal.aborted) {
        try {
          await this.poll();
        } catch (err) {
          this.#o.onError?.(err);
        }
        try {
          await this.#sleep(interval, abort.signal);
        } catch {
          break;
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#loop;
    this.#loop = undefined;
    this.#abort = undefined;
  }

  async #deliver(a: WithdrawalAlert): Promise<void> {
    for (const sink of this.#sinks) {
      try {
        await sink(a);
      } catch (err) {
        this.#o.onError?.(err);
      }
    }
  }

  #load(): WatchState | undefined {
    const p = this.#o.statePath;
    if (!existsSync(p)) return undefined;
    const unreadable = (why: string) =>
      new WithdrawalWatchError(
        `withdrawal watch state ${p} is unreadable (${why})`,
        'move it aside to start over (existing bills will alert again)',
      );
    let s: WatchState;
    try {
      s = JSON.parse(readFileSync(p, 'utf8')) as WatchState;
    } catch {
      throw unreadable('not JSON');
    }
    if (s?.version !== 1 || !Array.isArray(s.seen))
      throw unreadable('not a version 1 state with a seen list');
    return s;
  }

  #save(): void {
    mkdirSync(dirname(this.#o.statePath), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.#o.statePath, JSON.stringify(this.#state), 0o600);
  }
}
