import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The layer rules of docs/ARCHITECTURE.md, checked on the source: which layer may import which,
// and no runtime import cycle between files.
const ALLOWED: Record<string, string[]> = {
  util: [],
  protocol: [],
  client: ['protocol', 'util'],
  ws: ['client', 'protocol', 'util'],
  sim: ['protocol', 'util', 'client/credentials'],
  security: ['client', 'protocol', 'util'],
  trading: ['client', 'ws', 'security', 'protocol', 'util'],
  bots: ['trading', 'security', 'protocol', 'util'],
  data: ['client', 'ws', 'protocol', 'util'],
  // The backtester drives the strategies (bots) on its own Exchange (it sees trading's port only).
  backtest: ['bots', 'data', 'trading/exchange-port', 'protocol', 'util'],
  // Distributed state on Redis (issue 16): shared limiter, kill switch and risk scope, optimizer jobs.
  cluster: ['backtest', 'data', 'trading', 'security', 'ws', 'client', 'protocol', 'util'],
  // Operations (issue 14): the bot supervisor, metrics, dashboard, alert channels, log files.
  ops: ['cluster', 'backtest', 'bots', 'data', 'trading', 'security', 'ws', 'client', 'protocol', 'util'],
  // External signals turned into guarded orders (issue 19).
  signals: ['trading', 'security', 'ws', 'client', 'protocol', 'util'],
  // Arbitrage (issue 15): opportunity engine, triangular and basis bots, cross-venue through ccxt.
  arb: ['backtest', 'bots', 'data', 'trading', 'security', 'ws', 'client', 'protocol', 'util'],
  cli: [
    'arb',
    'signals',
    'ops',
    'cluster',
    'backtest',
    'bots',
    'data',
    'trading',
    'security',
    'sim',
    'ws',
    'client',
    'protocol',
    'util',
  ],
};

const SRC = resolve('src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function imports(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const out: Edge[] = [];
  const re = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4]!;
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    out.push({ from: file, to: target, typeOnly: Boolean(m[2]) });
  }
  return out;
}

const layerOf = (f: string) => relative(SRC, f).split('/')[0]!;
const all = files(SRC);
const edges = all.flatMap(imports);

test('each layer imports only the layers below it (docs/ARCHITECTURE.md)', () => {
  const bad: string[] = [];
  for (const e of edges) {
    const from = layerOf(e.from);
    const to = layerOf(e.to);
    if (from === to || from === 'index.ts') continue;
    const rel = relative(SRC, e.to).replace(/\.ts$/, '');
    const ok = (ALLOWED[from] ?? []).some((a) => a === to || rel === a || rel.startsWith(`${a}/`));
    if (!ok) bad.push(`${relative(SRC, e.from)} -> ${rel}`);
  }
  assert.deepEqual(bad, []);
});

test('nothing imports the CLI', () => {
  const bad = edges.filter((e) => layerOf(e.to) === 'cli' && layerOf(e.from) !== 'cli');
  assert.deepEqual(
    bad.map((e) => relative(SRC, e.from)),
    [],
  );
});

test('no runtime import cycles between files', () => {
  const graph = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(SRC, p)).join(' -> '));
      return;
    }
    state.set(f, 'visiting');
    for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of all) visit(f, []);
  assert.deepEqual(cycles, []);
});
