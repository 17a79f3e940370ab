import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { OkxkitError, ValidationError, errorCode, errorText } from '../util/errors.js';

/** The kill switch's persisted state: halted or not, why, by whom and when (ms). */
export interface KillState {
  halted: boolean;
  why: string;
  /** who changed it: an operator name, "risk-manager", ... */
  by: string;
  /** ms since epoch of the last change */
  since: number;
  /** the limit that tripped it, when a breaker did */
  rule?: string;
  /** the scope the halt was set on ("all" = every venue and account) */
  scope?: string;
}

/**
 * A kill switch state that exists but cannot be read (permissions, a bad disk, damaged JSON). The
 * kill switch counts its scope as halted while this is so (fail closed).
 */
export class KillStateUnreadableError extends OkxkitError {
  readonly path: string;
  constructor(path: string, why: string, cause?: unknown) {
    super(`kill switch state ${path} is unreadable (${why})`, {
      code: 'KILL_STATE_UNREADABLE',
      hint: `fix or remove ${path}, then check it with \`okxkit kill --list\``,
      cause,
    });
    this.path = path;
  }
}

/** The scope that halts every other one (`okxkit kill --all`). */
export const ALL_SCOPE = 'all';

/** Default state directory: $OKXKIT_HOME, else ~/.okxkit. */
export function defaultStateDir(): string {
  return process.env.OKXKIT_HOME || join(homedir(), '.okxkit');
}

const SCOPE = /^[a-z0-9][a-z0-9.-]{0,80}$/;

/**
 * The scope of a venue and key: `<venue>-<8 hex of the key's hash>`, e.g. `okx-1a2b3c4d`,
 * `okx-demo-1a2b3c4d`, `127.0.0.1-8080-1a2b3c4d` (a local exchange at that address). The API key
 * itself never appears (only a hash prefix), so the scope may be shown and logged.
 */
export function killScopeFor(opts: { baseUrl?: string; demo?: boolean; apiKey?: string }): string {
  let venue = 'okx';
  if (opts.baseUrl) {
    try {
      const u = new URL(opts.baseUrl);
      venue = /(^|\.)okx\.com$/.test(u.hostname) ? 'okx' : `${u.hostname}${u.port ? `-${u.port}` : ''}`;
    } catch {
      venue = 'custom';
    }
  }
  if (opts.demo) venue += '-demo';
  const key = opts.apiKey ? createHash('sha256').update(opts.apiKey).digest('hex').slice(0, 8) : 'nokey';
  return `${venue.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}-${key}`;
}

export function checkScope(scope: string): string {
  if (!SCOPE.test(scope))
    throw new ValidationError(
      'scope',
      `"${scope}" is not a kill switch scope`,
      'use lowercase letters, digits, dots and dashes (see `okxkit kill --list`)',
    );
  return scope;
}

/**
 * Where kill switch states live. Reads are synchronous, so every order can be checked against the
 * current state without a round trip; a networked store (e.g. Redis) keeps a local copy that
 * `refresh()` updates (the trading stack calls it every second) and writes through.
 * `read` returns undefined for a scope never set, and throws when the state cannot be known: the
 * kill switch then counts the scope as halted (fail closed).
 */
export interface KillStore {
  read(scope: string): KillState | undefined;
  write(scope: string, state: KillState): void;
  /** Every scope with a state. */
  scopes(): string[];
  /** Where a scope is kept, for people (a file path, a key name). */
  where(scope: string): string;
  refresh?(): Promise<void>;
}

/** A halt that ends with the process: for an embedded local exchange that ends with it too. */
export class MemoryKillStore implements KillStore {
  private readonly states = new Map<string, KillState>();
  read(scope: string): KillState | undefined {
    return this.states.get(scope);
  }
  write(scope: string, state: KillState): void {
    this.states.set(scope, state);
  }
  scopes(): string[] {
    return [...this.states.keys()];
  }
  where(scope: string): string {
    return `memory:${scope}`;
  }
}

/**
 * One small JSON file per scope, written atomically, so a halt survives a crash and `okxkit kill`
 * in another process reaches a running bot: `<dir>/kill-switch.json` holds the "all" scope (the
 * file older versions used for every halt), `<dir>/kill-switch/<scope>.json` each other one.
 * Only a missing file means "never set"; any other error (permissions, a bad disk, bad JSON)
 * throws, which the kill switch reads as halted.
 */
export class FileKillStore implements KillStore {
  private readonly cache = new Map<
    string,
    { ino: number; mtimeMs: number; size: number; state: KillState }
  >();
  /** `file`: a single-file store holding only the "all" scope (tests, `okxkit kill --state`). */
  constructor(private readonly opts: { dir?: string; file?: string } = {}) {}

  private get dir(): string {
    return this.opts.dir ?? defaultStateDir();
  }

  where(scope: string): string {
    if (this.opts.file) return this.opts.file;
    return scope === ALL_SCOPE
      ? join(this.dir, 'kill-switch.json')
      : join(this.dir, 'kill-switch', `${scope}.json`);
  }

  read(scope: string): KillState | undefined {
    if (this.opts.file && scope !== ALL_SCOPE) return undefined;
    const path = this.where(scope);
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined;
      throw new KillStateUnreadableError(path, errorCode(err) ?? errorText(err), err);
    }
    const c = this.cache.get(scope);
    if (c && c.ino === st.ino && c.mtimeMs === st.mtimeMs && c.size === st.size) return c.state;
    let raw: Partial<KillState>;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<KillState>;
    } catch (err) {
      throw new KillStateUnreadableError(path, `not JSON: ${errorText(err)}`);
    }
    if (typeof raw.halted !== 'boolean') throw new KillStateUnreadableError(path, 'no halted flag');
    const state: KillState = {
      halted: raw.halted,
      why: String(raw.why ?? ''),
      by: String(raw.by ?? ''),
      since: Number(raw.since ?? 0),
      ...(raw.rule ? { rule: String(raw.rule) } : {}),
      scope,
    };
    this.cache.set(scope, { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size, state });
    return state;
  }

  write(scope: string, s: KillState): void {
    const path = this.where(scope);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomic(path, `${JSON.stringify(s, null, 2)}\n`);
    this.cache.delete(scope);
  }

  scopes(): string[] {
    const out: string[] = [];
    try {
      statSync(this.where(ALL_SCOPE));
      out.push(ALL_SCOPE);
    } catch (err) {
      // No file: the scope was never set. Any other error: list it, so its state shows (as halted).
      if (errorCode(err) !== 'ENOENT') out.push(ALL_SCOPE);
    }
    if (this.opts.file) return out;
    try {
      for (const f of readdirSync(join(this.dir, 'kill-switch')))
        if (f.endsWith('.json') && SCOPE.test(f.slice(0, -5))) out.push(f.slice(0, -5));
    } catch (err) {
      // No folder: no scoped state was ever set. Anything else cannot be listed: say so.
      if (errorCode(err) !== 'ENOENT')
        throw new KillStateUnreadableError(
          join(this.dir, 'kill-switch'),
          errorCode(err) ?? errorText(err),
          err,
        );
    }
    return out;
  }
}

export interface KillSwitchOptions {
  /** The scope this switch halts and reads (besides "all"). Default "all". */
  scope?: string;
  /** Where the scope lives. Default: the file store under $OKXKIT_HOME. */
  store?: KillStore;
  /** Where the "all" scope is read (default: `store`); e.g. files while the scope is in memory. */
  allStore?: KillStore;
  /** Shorthand for a single-file store (the "all" scope at this path). */
  path?: string;
  clock?: Clock;
}

/**
 * The persisted kill switch (docs/REQUIREMENTS.md R23), scoped: a halt covers the venue and key it happened on (its
 * scope), and the "all" scope halts every scope. A state that cannot be read counts as engaged:
 * when in doubt, do not trade.
 */
export class KillSwitch {
  readonly scope: string;
  readonly store: KillStore;
  private readonly allStore: KillStore;
  private readonly clock: Clock;

  constructor(opts: KillSwitchOptions = {}) {
    this.scope = checkScope(opts.scope ?? ALL_SCOPE);
    this.store = opts.store ?? new FileKillStore(opts.path ? { file: opts.path } : {});
    this.allStore = opts.allStore ?? this.store;
    this.clock = opts.clock ?? systemClock;
  }

  /** Where this switch's own scope is kept (a file path for the file store). */
  get path(): string {
    return this.store.where(this.scope);
  }

  private readScope(store: KillStore, scope: string): KillState {
    try {
      return store.read(scope) ?? { halted: false, why: '', by: '', since: 0, scope };
    } catch (err) {
      return {
        halted: true,
        why: `${err instanceof Error ? err.message : String(err)}: halted until it can be read`,
        by: 'okxkit',
        since: this.clock.now(),
        scope,
      };
    }
  }

  /** The state that governs this scope: a halt of "all" wins over the scope's own state. */
  state(): KillState {
    const own = this.readScope(this.store, this.scope);
    if (this.scope === ALL_SCOPE) return own;
    const all = this.readScope(this.allStore, ALL_SCOPE);
    return all.halted ? all : own;
  }

  /** This scope's own state, without "all". */
  ownState(): KillState {
    return this.readScope(this.store, this.scope);
  }

  isEngaged(): boolean {
    return this.state().halted;
  }

  async refresh(): Promise<void> {
    await this.store.refresh?.();
    if (this.allStore !== this.store) await this.allStore.refresh?.();
  }

  engage(opts: { why?: string; by: string; rule?: string }): KillState {
    return this.write({
      halted: true,
      // An emergency halt never waits for a reason.
      why: opts.why?.trim() ? opts.why : 'no reason given',
      by: opts.by,
      since: this.clock.now(),
      ...(opts.rule ? { rule: opts.rule } : {}),
      scope: this.scope,
    });
  }

  release(opts: { why: string; by: string }): KillState {
    if (!opts.why.trim())
      throw new ValidationError('why', 'a justification is required', 'pass --why "what happened"');
    return this.write({
      halted: false,
      why: opts.why,
      by: opts.by,
      since: this.clock.now(),
      scope: this.scope,
    });
  }

  private write(s: KillState): KillState {
    this.store.write(this.scope, s);
    return s;
  }
}
