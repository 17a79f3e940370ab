#!/usr/bin/env node
// Runs every test file under test/ with Node's own test runner and the tsx loader.
// Node 20's runner does not expand globs itself, so the file list is built here.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
let files = collect('test').sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The README runner executes every command of README.md as a user would (each a fresh CLI
// process), so it takes minutes, not seconds, on a loaded machine without a build: it runs in a
// second pass with a longer hang limit, instead of the two minutes the other files get.
const LONG = (f) => f.replace(/\\/g, '/').endsWith('test/readme.test.ts');
function run(list, timeoutMs) {
  if (list.length === 0) return 0;
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    // A test that times out can leave a server or timer behind; without this its file would keep
    // the run open forever instead of reporting the failure.
    '--test-force-exit',
    // and a test that hangs fails after the time limit rather than holding the run
    `--test-timeout=${timeoutMs}`,
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    ...list,
  ];
  const r = spawnSync(process.execPath, args, {
    stdio: 'inherit',
    env: { ...process.env, OKXKIT_HOME: home, OKXKIT_LOG_LEVEL: process.env.OKXKIT_LOG_LEVEL ?? 'silent' },
  });
  return r.status ?? 1;
}
// Tests never touch the real state folder (~/.okxkit: journals, kill switch, audit trail): a test
// that relies on the default home gets a fresh one for this run, removed afterwards.
const home = mkdtempSync(join(tmpdir(), 'okxkit-test-home-'));
process.on('exit', () => rmSync(home, { recursive: true, force: true }));
const first = run(
  files.filter((f) => !LONG(f)),
  120_000,
);
const second = run(files.filter(LONG), 1_200_000);
process.exit(first || second);
