import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { ValidationError } from '../util/errors.js';

export interface KillState {
  halted: boolean;
  why: string;
  /** who changed it: an operator name, "risk-manager", ... */
  by: string;
  /** ms since epoch of the last change */
  since: number;
  /** the limit that tripped it, when a breaker did */
  rule?: string;
}

/** Default state directory: $OKXKIT_HOME, else ~/.okxkit. */
export function defaultStateDir(): string {
  return process.env.OKXKIT_HOME || join(homedir(), '.okxkit');
}

/**
 * The persisted kill switch (docs/REQUIREMENTS.md R23): a small JSON file written atomically, so an engaged switch
 * survives a crash and restart, and `okxkit kill` in another process stops a running bot.
 * An unreadable file counts as engaged: when in doubt, do not trade.
 */
export class KillSwitch {
  readonly path: string;
  private readonly clock: Clock;
  private cache: { ino: number; mtimeMs: number; size: number; state: KillState } | undefined;

  constructor(opts: { path?: string; clock?: Clock } = {}) {
    this.path = opts.path ?? join(defaultStateDir(), 'kill-switch.json');
    this.clock = opts.clock ?? systemClock;
  }

  state(): KillState {
    let st;
    try {
      st = statSync(this.path);
    } catch {
      return { halted: false, why: '', by: '', since: 0 };
    }
    if (
      this.cache &&
      this.cache.ino === st.ino &&
      this.cache.mtimeMs === st.mtimeMs &&
      this.cache.size === st.size
    )
      return this.cache.state;
    let state: KillState;
    try {
      const raw = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<KillState>;
      if (typeof raw.halted !== 'boolean') throw new Error('no halted flag');
      state = {
        halted: raw.halted,
        why: String(raw.why ?? ''),
        by: String(raw.by ?? ''),
        since: Number(raw.since ?? 0),
        ...(raw.rule ? { rule: String(raw.rule) } : {}),
      };
    } catch {
      state = {
        halted: true,
        why: `kill switch state file ${this.path} is unreadable`,
        by: 'okxkit',
        since: this.clock.now(),
      };
    }
    this.cache = { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size, state };
    return state;
  }

  isEngaged(): boolean {
    return this.state().halted;
  }

  engage(opts: { why: string; by: string; rule?: string }): KillState {
    return this.write({
      halted: true,
      why: opts.why,
      by: opts.by,
      since: this.clock.now(),
      ...(opts.rule ? { rule: opts.rule } : {}),
    });
  }

  release(opts: { why: string; by: string }): KillState {
    return this.write({ halted: false, why: opts.why, by: opts.by, since: this.clock.now() });
  }

  private write(s: KillState): KillState {
    if (!s.why.trim())
      throw new ValidationError('why', 'a justification is required', 'pass --why "what happened"');
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.path, `${JSON.stringify(s, null, 2)}\n`);
    this.cache = undefined;
    return s;
  }
}
