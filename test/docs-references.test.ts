import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Comments cite the protocol notes and the requirements by section; every citation must land.
function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mjs|md)$/.test(name)) out.push(p);
  }
  return out;
}
const sources = ['src', 'test', 'bench', 'scripts', 'docs'].flatMap((d) => files(d)).concat('README.md');

test('every "OKX-PROTOCOL.md §N" cited in the repo is a section of docs/OKX-PROTOCOL.md', () => {
  const doc = readFileSync('docs/OKX-PROTOCOL.md', 'utf8');
  const sections = new Set([...doc.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]));
  const missing: string[] = [];
  let cited = 0;
  for (const f of sources) {
    for (const m of readFileSync(f, 'utf8').matchAll(/OKX-PROTOCOL\.md §(\d+(?:\.\d+)?)/g)) {
      cited++;
      if (!sections.has(m[1])) missing.push(`${f}: §${m[1]}`);
    }
  }
  assert.ok(cited > 100, `citations found: ${cited}`);
  assert.deepEqual(missing, []);
});

test('every "REQUIREMENTS.md R##" cited in the repo is a requirement of docs/REQUIREMENTS.md', () => {
  const doc = readFileSync('docs/REQUIREMENTS.md', 'utf8');
  const ids = new Set([...doc.matchAll(/^- \*\*(R\d+)\*\*/gm)].map((m) => m[1]));
  const missing: string[] = [];
  for (const f of sources) {
    for (const m of readFileSync(f, 'utf8').matchAll(/REQUIREMENTS\.md (R\d+)/g)) {
      if (!ids.has(m[1])) missing.push(`${f}: ${m[1]}`);
    }
  }
  assert.equal(ids.size, 40);
  assert.deepEqual(missing, []);
});

test('no comment cites a document outside the repository', () => {
  const outside: string[] = [];
  for (const f of sources) {
    const text = readFileSync(f, 'utf8');
    // the patterns are assembled so that this file does not match itself
    const cites = new RegExp(['\\bfacts ' + '§', 'okx-v5-' + 'facts', '/work/' + 'shared'].join('|'));
    if (cites.test(text)) outside.push(f);
  }
  assert.deepEqual(outside, []);
});
