// Runs every bench module in bench/ (each exports `run(): Promise<BenchResult[]>`) and prints one
// table. Optional arguments filter modules by name: `tsx bench/run.ts sign rest`.
// `--json` prints the rows as JSON instead.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const NOT_BENCHES = new Set(['run.ts', 'harness.ts']);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const filters = args.filter((a) => !a.startsWith('--'));
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !NOT_BENCHES.has(f))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  const all: Array<BenchResult & { bench: string }> = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as { run?: () => Promise<BenchResult[]> };
    if (typeof mod.run !== 'function') continue;
    const bench = f.replace(/\.ts$/, '');
    process.stderr.write(`running ${bench}...\n`);
    const t0 = Date.now();
    try {
      for (const r of await mod.run()) all.push({ bench, ...r });
    } catch (e) {
      all.push({ bench, name: 'FAILED', opsPerSec: 0, note: (e as Error).message });
    }
    process.stderr.write(`  ${bench} took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
    return;
  }
  const table = all.map((r) => ({
    bench: r.bench,
    name: r.name,
    'ops/s': r.opsPerSec.toLocaleString('en-US'),
    ratio: r.ratio === undefined ? '' : r.ratio.toFixed(3),
    note: r.note ?? '',
  }));
  const cols = ['bench', 'name', 'ops/s', 'ratio', 'note'] as const;
  const w = cols.map((c) => Math.max(c.length, ...table.map((r) => r[c].length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (i === 2 || i === 3 ? v.padStart(w[i]!) : v.padEnd(w[i]!)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line([...cols])}\n${line(w.map((n) => '-'.repeat(n)))}\n`);
  for (const r of table) process.stdout.write(`${line(cols.map((c) => r[c]))}\n`);
  process.stdout.write(
    '\nratio = throughput relative to the first row of the same bench group (its baseline).\n',
  );
}

await main();
// undici pools and servers are closed by each bench; exit in case a peer library left a handle.
process.exit(0);
