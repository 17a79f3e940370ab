// A small timing harness for the benches: warm-up, interleaved rounds, median ns per op.
// Interleaving the variants round by round keeps a burst of load on the (shared) machine from
// favouring whichever variant happened to run at a quiet moment.

export interface BenchResult {
  name: string;
  opsPerSec: number;
  /** Throughput relative to the row's baseline (1 = as fast; 0.83 = takes 1.2x as long). */
  ratio?: number;
  note?: string;
}

export interface Variant {
  name: string;
  /** One operation; may return a promise (awaited before the next). */
  fn: () => unknown;
}

export interface MeasureOptions {
  warmupOps?: number;
  rounds?: number;
  opsPerRound?: number;
}

/** Median wall-clock ns/op of each variant (see compareWithCpu for CPU time too). */
export async function compare(variants: Variant[], opts: MeasureOptions = {}): Promise<number[]> {
  return (await compareWithCpu(variants, opts)).wall;
}

/**
 * Median wall-clock and CPU (user + system, this process) ns/op of each variant. On a loaded
 * machine wall time includes time spent descheduled; CPU time shows the work each variant does.
 */
export async function compareWithCpu(
  variants: Variant[],
  opts: MeasureOptions = {},
): Promise<{ wall: number[]; cpu: number[] }> {
  const warmupOps = opts.warmupOps ?? 200;
  const rounds = opts.rounds ?? 7;
  const ops = opts.opsPerRound ?? 1000;
  for (const v of variants) await loop(v.fn, warmupOps);
  const wall: number[][] = variants.map(() => []);
  const cpu: number[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // rotate the starting variant so none always runs first in a round
    for (let j = 0; j < variants.length; j++) {
      const i = (j + r) % variants.length;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await loop(variants[i]!.fn, ops);
      wall[i]!.push(Number(process.hrtime.bigint() - t0) / ops);
      const c = process.cpuUsage(c0);
      cpu[i]!.push(((c.user + c.system) * 1000) / ops);
    }
  }
  return { wall: wall.map(median), cpu: cpu.map(median) };
}

async function loop(fn: () => unknown, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Rows relative to the variant at `baselineIndex`. */
export function rows(
  prefix: string,
  variants: Variant[],
  nsPerOp: number[],
  baselineIndex = 0,
  notes: string[] = [],
): BenchResult[] {
  const base = nsPerOp[baselineIndex]!;
  return variants.map((v, i) => ({
    name: `${prefix}: ${v.name}`,
    opsPerSec: Math.round(1e9 / nsPerOp[i]!),
    ratio: Number((base / nsPerOp[i]!).toFixed(3)),
    note: [
      `${(nsPerOp[i]! / 1000).toFixed(2)} us/op`,
      i === baselineIndex ? 'baseline' : `${(nsPerOp[i]! / base).toFixed(2)}x the baseline's time`,
      notes[i],
    ]
      .filter(Boolean)
      .join('; '),
  }));
}
