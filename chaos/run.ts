// `npm run chaos`: the exactly-once, restart, WebSocket and parser-fuzzing proofs at scale.
// Not part of `npm test` (it runs for minutes). Each section prints its counts; the run exits
// non-zero when any section found a violation (a duplicate, a lost order, an orphan, a crash or
// a stall). Arguments: section names to run a subset (exactly-once, restarts, ws-drops, fuzz);
// `--quick` for a small smoke run.
import { exactlyOnce } from './exactly-once.js';
import { fuzzClient, fuzzExchange } from './fuzz.js';
import { wsDrops } from './ws-drops.js';
import { restarts } from './restarts.js';
import type { SectionReport } from './report.js';

type Section = { name: string; run: (quick: boolean) => Promise<SectionReport> };

const SECTIONS: Section[] = [
  { name: 'exactly-once', run: (q) => exactlyOnce({ intents: q ? 600 : 10_000 }) },
  { name: 'restarts', run: (q) => restarts(q ? 8 : 100) },
  { name: 'ws-drops', run: (q) => wsDrops(q ? 50 : 1_000) },
  { name: 'fuzz-exchange', run: (q) => fuzzExchange(q ? 300 : 3_000) },
  { name: 'fuzz-client', run: (q) => fuzzClient(q ? 300 : 3_000) },
];

function print(r: SectionReport): void {
  const ok = r.violations.length === 0;
  process.stdout.write(`\n== ${r.section}: ${ok ? 'PASS' : 'FAIL'} (${r.seconds.toFixed(1)} s)\n`);
  const w = Math.max(...Object.keys(r.counts).map((k) => k.length));
  for (const [k, v] of Object.entries(r.counts)) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
  for (const v of r.violations.slice(0, 50)) process.stdout.write(`  VIOLATION ${v}\n`);
  if (r.violations.length > 50) process.stdout.write(`  ... and ${r.violations.length - 50} more\n`);
  for (const d of r.details.slice(0, 200)) process.stdout.write(`  ${d}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const chosen = SECTIONS.filter((s) => names.length === 0 || names.includes(s.name));
  if (chosen.length === 0) {
    process.stderr.write(`no such section; choose from ${SECTIONS.map((s) => s.name).join(', ')}\n`);
    process.exit(2);
  }
  const t0 = Date.now();
  let failed = 0;
  const runOne = async (s: Section): Promise<void> => {
    process.stderr.write(`running ${s.name}${quick ? ' (quick)' : ''}...\n`);
    let r: SectionReport;
    try {
      r = await s.run(quick);
    } catch (err) {
      r = {
        section: s.name,
        counts: {},
        violations: [`the section crashed: ${err instanceof Error ? err.stack : String(err)}`],
        details: [],
        seconds: 0,
      };
    }
    print(r);
    if (r.violations.length) failed++;
  };
  // The restart section mostly waits for bot processes to start: it runs beside the others, so
  // both cores are busy.
  const beside = chosen.filter((s) => s.name === 'restarts');
  const inTurn = chosen.filter((s) => s.name !== 'restarts');
  await Promise.all([
    ...beside.map(runOne),
    (async () => {
      for (const s of inTurn) await runOne(s);
    })(),
  ]);
  process.stdout.write(
    `\nchaos: ${chosen.length - failed}/${chosen.length} sections passed in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
  );
  process.exit(failed ? 1 : 0);
}

void main();
