import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { seededRandom } from '../util/random.js';
import { ValidationError } from '../util/errors.js';
import type { Candles } from './candles.js';
import type { BacktestExchangeOptions } from './exchange.js';
import { evaluate, type EvalResult, type EvalTask } from './optimize-worker.js';
import {
  deflatedSharpe,
  probabilityOfOverfitting,
  sharpeOf,
  type DeflatedSharpe,
  type Pbo,
} from './overfit.js';
import { returnsOf } from './metrics.js';

/** The values one strategy parameter takes in a search. */
export type ParamValues = (number | string)[];
/** A search space: each parameter's values, by name. */
export type ParamSpace = Record<string, ParamValues>;
/** What the optimizer maximises. */
export type Objective = 'sharpe' | 'return' | 'sortino' | 'calmar';

/** A parameter's values from JSON: a list, or { from, to, step } (inclusive). */
export function parseSpace(raw: unknown): ParamSpace {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ValidationError(
      'space',
      'must be a JSON object of parameter -> values',
      'e.g. {"fast": [5, 10], "slow": {"from": 20, "to": 60, "step": 10}}',
    );
  const out: ParamSpace = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (Array.isArray(v)) {
      if (!v.length || !v.every((x) => typeof x === 'number' || typeof x === 'string'))
        throw new ValidationError(`space.${k}`, 'must be a non-empty list of numbers or strings');
      out[k] = v;
    } else if (v && typeof v === 'object') {
      const { from, to, step } = v as { from?: unknown; to?: unknown; step?: unknown };
      if (
        typeof from !== 'number' ||
        typeof to !== 'number' ||
        typeof step !== 'number' ||
        !(step > 0) ||
        to < from
      )
        throw new ValidationError(
          `space.${k}`,
          'a range needs numbers from <= to and step > 0',
          'e.g. {"from": 1, "to": 5, "step": 0.5}',
        );
      const vals: number[] = [];
      for (let i = 0; from + i * step <= to + 1e-9; i++) vals.push(Number((from + i * step).toPrecision(12)));
      if (vals.length > 10_000)
        throw new ValidationError(`space.${k}`, `${vals.length} values is too many`, 'use a larger step');
      out[k] = vals;
    } else throw new ValidationError(`space.${k}`, 'must be a list or a { from, to, step } range');
  }
  if (!Object.keys(out).length)
    throw new ValidationError('space', 'names no parameter', 'add at least one parameter to search');
  return out;
}

/** `name=1,2,3` or `name=from:to:step` (the --param flag). */
export function parseParamFlag(v: string): [string, ParamValues] {
  const m = /^([A-Za-z][A-Za-z0-9_.]*)=(.+)$/.exec(v);
  if (!m)
    throw new ValidationError(
      '--param',
      `'${v}' is not name=values`,
      'e.g. --param fast=5,10,15 or --param slow=20:60:10',
    );
  const [, name, spec] = m as unknown as [string, string, string];
  const r = /^(-?[\d.]+):(-?[\d.]+):([\d.]+)$/.exec(spec);
  if (r)
    return [
      name,
      parseSpace({ [name]: { from: Number(r[1]), to: Number(r[2]), step: Number(r[3]) } })[name]!,
    ];
  return [name, spec.split(',').map((s) => (/^-?\d+(\.\d+)?$/.test(s.trim()) ? Number(s.trim()) : s.trim()))];
}

/** Every combination (grid search), in a fixed order. */
export function gridCandidates(space: ParamSpace): Record<string, number | string>[] {
  let out: Record<string, number | string>[] = [{}];
  for (const [k, vals] of Object.entries(space))
    out = out.flatMap((c) => vals.map((v) => ({ ...c, [k]: v })));
  return out;
}

/** n distinct combinations drawn with a seeded generator (random search); all of them if fewer exist. */
export function randomCandidates(
  space: ParamSpace,
  n: number,
  seed: number,
): Record<string, number | string>[] {
  const total = Object.values(space).reduce((a, v) => a * v.length, 1);
  if (total <= n) return gridCandidates(space);
  const rnd = seededRandom(seed);
  const seen = new Set<string>();
  const out: Record<string, number | string>[] = [];
  while (out.length < n) {
    const c: Record<string, number | string> = {};
    for (const [k, vals] of Object.entries(space)) c[k] = vals[Math.floor(rnd() * vals.length)]!;
    const key = JSON.stringify(c);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}

/** The objective on a run of daily returns (annualised where it applies); -Infinity when undefined. */
export function score(r: readonly number[], objective: Objective): number {
  if (r.length < 2) return -Infinity;
  const m = r.reduce((a, b) => a + b, 0) / r.length;
  const sd = Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / (r.length - 1));
  const ann = Math.sqrt(365);
  let eq = 1;
  let peak = 1;
  let dd = 0;
  for (const x of r) {
    eq *= 1 + x;
    if (eq > peak) peak = eq;
    dd = Math.max(dd, (peak - eq) / peak);
  }
  switch (objective) {
    case 'return':
      return eq - 1;
    case 'sharpe':
      return sd > 0 ? (m / sd) * ann : -Infinity;
    case 'sortino': {
      const dn = Math.sqrt(r.reduce((a, b) => a + Math.min(b, 0) ** 2, 0) / r.length);
      return dn > 0 ? (m / dn) * ann : -Infinity;
    }
    case 'calmar':
      return dd > 0 ? (eq ** (365 / r.length) - 1) / dd : -Infinity;
  }
}

/** One walk-forward fold: its in-sample and out-of-sample days and the winner's scores. */
export interface Fold {
  /** Day indexes [isFrom, isTo) in-sample and [osFrom, osTo) out of sample. */
  isFrom: number;
  isTo: number;
  osFrom: number;
  osTo: number;
  /** Index (into results) of the in-sample winner. */
  chosen: number;
  isScore: number;
  osScore: number;
  osReturn: number;
}

/** An optimization: every candidate's score, the best one, walk-forward folds and overfitting figures. */
export interface OptimizeResult {
  objective: Objective;
  method: 'grid' | 'random';
  results: (EvalResult & { score: number })[];
  /** Index of the best configuration over the whole period. */
  best: number;
  folds: Fold[];
  /** Compounded out-of-sample return of the walk-forward (each fold trades its in-sample winner). */
  walkForwardReturn: number;
  /** Mean out-of-sample score / mean in-sample score of the chosen configurations. */
  walkForwardEfficiency: number | null;
  pbo: Pbo;
  deflated: DeflatedSharpe;
  /** Day starts (ms) of the daily series, for the fold dates. */
  days: number[];
  threads: number;
  /** Where the evaluations ran when not on this machine's threads (the executor's label). */
  ranOn?: string;
  elapsedMs: number;
}

/**
 * Runs the evaluations somewhere else than this machine's worker threads (e.g. as jobs on a
 * queue served by worker processes on other machines). Returns the results in candidate order
 * and calls `onResult` as each arrives.
 */
export interface EvalExecutor {
  /** Says where the evaluations ran, for the summary line (e.g. "3 worker processes via Redis"). */
  readonly label: string;
  run(
    base: Omit<EvalTask, 'params'>,
    candidates: Record<string, number | string>[],
    onResult: (r: EvalResult) => void,
  ): Promise<EvalResult[]>;
}

/** An optimization run: the strategy kind and base settings, the space, the candles and the exchange. */
export interface OptimizeOptions {
  kind: string;
  raw: Record<string, unknown>;
  modulePath?: string;
  candles: Candles;
  exchange: BacktestExchangeOptions;
  candidates: Record<string, number | string>[];
  method: 'grid' | 'random';
  objective?: Objective;
  /** Walk-forward folds (rolling: each fold is chosen on the one before it). Default 4. */
  folds?: number;
  /** CSCV blocks for the PBO (even). Default 8. */
  blocks?: number;
  /** Worker threads; 0 runs in this thread. Default: available cores - 1, at least 1. */
  threads?: number;
  onProgress?: (done: number, total: number) => void;
  /** Where the evaluations run; default this machine's worker threads (`threads`). */
  executor?: EvalExecutor;
}

function shared(a: Float64Array): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(a.byteLength);
  new Float64Array(sab).set(a);
  return sab;
}

function workerFile(): string {
  // Built: optimize-worker.js beside this file; from source (tsx, tests): the .ts file.
  const js = fileURLToPath(new URL('./optimize-worker.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('./optimize-worker.ts', import.meta.url));
}

/**
 * Runs every candidate over the candles (in parallel on worker threads), ranks them by the
 * objective over the whole period, walks forward (each fold trades the winner of the fold before
 * it), and reports the over-fit guards next to the winner: the probability of backtest
 * over-fitting (CSCV) and the deflated Sharpe ratio for the number of configurations tried.
 */
export async function optimize(o: OptimizeOptions): Promise<OptimizeResult> {
  const objective = o.objective ?? 'sharpe';
  if (o.candidates.length < 2)
    throw new ValidationError(
      'space',
      `${o.candidates.length} configuration(s) to compare`,
      'give at least two values to search',
    );
  if (typeof o.exchange.fundingRate === 'function')
    throw new ValidationError(
      'fundingRate',
      'a funding series cannot cross to worker threads',
      'pass a constant rate to optimize',
    );
  const t0 = performance.now();
  const c = o.candles;
  const cols = {
    ts: shared(c.ts),
    o: shared(c.o),
    h: shared(c.h),
    l: shared(c.l),
    c: shared(c.c),
    v: shared(c.v),
  };
  const base = {
    kind: o.kind,
    raw: o.raw,
    exchange: o.exchange,
    instId: c.instId,
    bar: c.bar,
    barMs: c.barMs,
    cols,
    ...(o.modulePath ? { modulePath: o.modulePath } : {}),
  };
  const threads = o.executor
    ? 0
    : (o.threads ?? Math.max(1, Math.min(availableParallelism() - 1, o.candidates.length)));
  let done = 0;
  const tick = (r: EvalResult) => {
    o.onProgress?.(++done, o.candidates.length);
    return r;
  };
  let raw: EvalResult[];
  if (o.executor) {
    raw = await o.executor.run(base, o.candidates, (r) => void tick(r));
  } else if (threads === 0) {
    raw = [];
    for (const p of o.candidates) raw.push(tick(await evaluate({ ...base, params: p })));
  } else {
    const pool = new Piscina({
      filename: workerFile(),
      minThreads: threads,
      maxThreads: threads,
      name: 'evaluate',
      execArgv: process.execArgv,
    });
    try {
      raw = await Promise.all(
        o.candidates.map((p) =>
          pool.run({ ...base, params: p }, { name: 'evaluate' }).then((r: EvalResult) => tick(r)),
        ),
      );
    } finally {
      await pool.destroy();
    }
  }
  const failed = raw.find((r) => r.error);
  if (failed)
    throw new ValidationError(
      'space',
      `the configuration ${JSON.stringify(failed.params)} failed: ${failed.error}`,
      'narrow the parameter space to valid settings',
    );
  const rets = raw.map((r) => returnsOf(r.daily));
  const results = raw.map((r, i) => ({ ...r, score: score(rets[i]!, objective) }));
  let best = 0;
  results.forEach((r, i) => {
    if (r.score > results[best]!.score) best = i;
  });
  // Walk forward over the daily returns: K segments, fold k chooses on segment k-1, trades segment k.
  const D = Math.min(...rets.map((r) => r.length));
  const K = Math.max(2, o.folds ?? 4);
  const folds: Fold[] = [];
  if (D >= 2 * K) {
    const bounds = Array.from({ length: K + 1 }, (_, k) => Math.floor((k * D) / K));
    for (let k = 1; k < K; k++) {
      const [isFrom, isTo, osTo] = [bounds[k - 1]!, bounds[k]!, bounds[k + 1]!];
      let chosen = 0;
      let isBest = -Infinity;
      rets.forEach((r, i) => {
        const s = score(r.slice(isFrom, isTo), objective);
        if (s > isBest) {
          isBest = s;
          chosen = i;
        }
      });
      const os = rets[chosen]!.slice(isTo, osTo);
      folds.push({
        isFrom,
        isTo,
        osFrom: isTo,
        osTo,
        chosen,
        isScore: isBest,
        osScore: score(os, objective),
        osReturn: os.reduce((a, x) => a * (1 + x), 1) - 1,
      });
    }
  }
  const fin = (x: number) => Number.isFinite(x);
  const isMean = folds.filter((f) => fin(f.isScore) && fin(f.osScore));
  const wfe = isMean.length
    ? isMean.reduce((a, f) => a + f.osScore, 0) /
      isMean.length /
      (isMean.reduce((a, f) => a + f.isScore, 0) / isMean.length)
    : null;
  const trimmed = rets.map((r) => r.slice(0, D));
  const days: number[] = [];
  for (let i = 0; i < c.ts.length; i++) {
    const d = Math.floor(c.ts[i]! / 86_400_000) * 86_400_000;
    if (days[days.length - 1] !== d) days.push(d);
  }
  return {
    objective,
    method: o.method,
    results,
    best,
    folds,
    walkForwardReturn: folds.reduce((a, f) => a * (1 + f.osReturn), 1) - 1,
    walkForwardEfficiency: wfe !== null && Number.isFinite(wfe) ? wfe : null,
    pbo: probabilityOfOverfitting(trimmed, o.blocks ?? 8),
    deflated: deflatedSharpe(
      trimmed[best]!,
      trimmed.map((r) => sharpeOf(r)),
    ),
    days,
    threads,
    ...(o.executor ? { ranOn: o.executor.label } : {}),
    elapsedMs: performance.now() - t0,
  };
}
