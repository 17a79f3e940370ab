import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  fingerprint,
  formatFinding,
  loadAllowlist,
  parseAllowlist,
  scanHistory,
  scanStaged,
  scanText,
  scanWorkingTree,
  type Finding,
} from '../../src/security/scanner.js';
import { gitIn, tempRepo } from './helpers/git.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// Secrets are derived at run time (hex only, so no "fake"/"test" marker can appear by chance)
// and never written in this file, which keeps okxkit's own tree clean for the scanner.
const hex = (seed: string) => createHash('sha256').update(seed).digest('hex');
const h1 = hex('scanner-seed-1');
const API_KEY = `${h1.slice(0, 8)}-${h1.slice(8, 12)}-${h1.slice(12, 16)}-${h1.slice(16, 20)}-${h1.slice(20, 32)}`;
const SECRET = hex('scanner-seed-2').slice(0, 32).toUpperCase();
const PASSPHRASE = `Kp9#${hex('scanner-seed-3').slice(0, 10)} Q`;
const TOKEN = Buffer.from(hex('scanner-seed-4'), 'hex').toString('base64').replace(/[+/=]/g, 'Z');
const PEM_BODY = Buffer.from(hex('scanner-seed-5') + hex('scanner-seed-6'), 'hex').toString('base64');
const PEM_HEAD = ['-----BEGIN', 'RSA', 'PRIVATE', 'KEY-----'].join(' ');

function put(dir: string, file: string, text: string | Buffer) {
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), text);
}

const brief = (fs: Finding[]) => fs.map((f) => `${f.file}:${f.line}:${f.rule}`).sort();

function populate(dir: string) {
  put(
    dir,
    'src/config.ts',
    [
      `// production settings`,
      `export const apiKey = '${API_KEY}';`,
      `export const secretKey = "${SECRET}";`,
      `const cfg = { passphrase: "${PASSPHRASE}" };`,
      '',
    ].join('\n'),
  );
  put(
    dir,
    '.env',
    [`OKX_API_KEY=${API_KEY}`, `OKX_SECRET_KEY=${SECRET}`, `OKX_PASSPHRASE=${PASSPHRASE}`, ''].join('\n'),
  );
  put(dir, 'deploy/id_rsa', `${PEM_HEAD}\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----\n`);
  put(dir, 'deploy/settings.yml', `service:\n  auth_token: ${TOKEN}\n  region: eu\n`);
  // Ordinary code and obviously fake values: must stay quiet.
  put(
    dir,
    'src/ok.ts',
    [
      `export interface Keys { apiKey: string; secretKey: string; passphrase: string }`,
      `const k = { apiKey: process.env.OKX_API_KEY, secretKey: env.OKX_SECRET_KEY };`,
      `const f = { apiKey: 'fake-key-trade-0001', secretKey: 'fake-secret-trade-0001', passphrase: 'Fake Pass!' };`,
      `const docs = 'OKX_SECRET_KEY=<your secret key>';`,
      `const tokenName = 'accessTokenValue';`,
      `const id = '${h1.slice(0, 8)}-0000-0000-0000-000000000000'; // a uuid with no key word around`,
      ``,
    ].join('\n'),
  );
  put(
    dir,
    'README.md',
    'Set `OKX_API_KEY=...`, `OKX_SECRET_KEY=your-secret` and `OKX_PASSPHRASE=example pass`.\n',
  );
  // Paths the scanner skips.
  put(dir, 'node_modules/pkg/index.js', `const secretKey = "${SECRET}";\n`);
  put(dir, 'dist/index.js', `const secretKey = "${SECRET}";\n`);
  put(dir, 'package-lock.json', `{"secretKey": "${SECRET}"}\n`);
  put(dir, 'blob.bin', Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(`secretKey = "${SECRET}"`)]));
  // A gitignored local .env is where development secrets belong.
  put(dir, '.gitignore', '.env.local\n');
  put(dir, '.env.local', `OKX_SECRET_KEY=${SECRET}\n`);
}

const EXPECTED = [
  '.env:1:dotenv-tracked',
  '.env:1:okx-api-key',
  '.env:2:okx-secret-key',
  '.env:3:okx-passphrase',
  'deploy/id_rsa:1:private-key',
  'deploy/settings.yml:2:generic-secret',
  'src/config.ts:2:okx-api-key',
  'src/config.ts:3:okx-secret-key',
  'src/config.ts:4:okx-passphrase',
].sort();

test('working tree: finds each kind of secret, skips fakes, dependencies, build output, lockfiles, binaries and ignored files', (t) => {
  const dir = tempRepo(t);
  populate(dir);
  assert.equal(gitIn(dir, 'add', '-A').status, 0);
  const r = scanWorkingTree(dir);
  assert.deepEqual(brief(r.findings), EXPECTED);
});

test('output is masked: first 4 characters and ****, never the secret', (t) => {
  const dir = tempRepo(t);
  populate(dir);
  gitIn(dir, 'add', '-A');
  const r = scanWorkingTree(dir);
  const out = r.findings.map(formatFinding).join('\n') + JSON.stringify(r.findings);
  for (const s of [API_KEY, SECRET, PASSPHRASE, TOKEN, PEM_BODY, SECRET.slice(0, 12), API_KEY.slice(0, 12)])
    assert.ok(!out.includes(s), `leaked ${s.slice(0, 4)}`);
  const api = r.findings.find((f) => f.file === 'src/config.ts' && f.rule === 'okx-api-key')!;
  assert.equal(api.masked, `${API_KEY.slice(0, 4)}****`);
  assert.equal(api.fingerprint, fingerprint(API_KEY));
  assert.match(formatFinding(api), new RegExp(`^src/config.ts:2 .*${API_KEY.slice(0, 4)}\\*{4}`));
});

test('an untracked (not ignored) .env is scanned but only a tracked one is a dotenv finding', (t) => {
  const dir = tempRepo(t);
  put(dir, '.env', `OKX_SECRET_KEY=${SECRET}\n`);
  assert.deepEqual(brief(scanWorkingTree(dir).findings), ['.env:1:okx-secret-key']);
  gitIn(dir, 'add', '.env');
  assert.deepEqual(brief(scanWorkingTree(dir).findings), ['.env:1:dotenv-tracked', '.env:1:okx-secret-key']);
});

test('history: a secret removed from the tree is still found in the commit that added it', async (t) => {
  const dir = tempRepo(t);
  put(dir, 'app.ts', `export const x = 1;\n`);
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', 'first');
  put(dir, 'app.ts', `export const x = 1;\nexport const y = 2;\nconst okxSecretKey = '${SECRET}';\n`);
  put(dir, 'old.env', `OKX_PASSPHRASE=${PASSPHRASE}\n`);
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', 'oops');
  const leak = gitIn(dir, 'rev-parse', 'HEAD').stdout.trim();
  put(
    dir,
    'app.ts',
    `export const x = 1;\nexport const y = 2;\nconst okxSecretKey = process.env.OKX_SECRET_KEY;\n`,
  );
  gitIn(dir, 'rm', '-q', 'old.env');
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', 'remove');
  // and one on another branch only
  gitIn(dir, 'checkout', '-q', '-b', 'side');
  put(dir, 'side.ts', `const apiKey = "${API_KEY}";\n`);
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', 'side');
  const side = gitIn(dir, 'rev-parse', 'HEAD').stdout.trim();
  gitIn(dir, 'checkout', '-q', 'main');

  assert.deepEqual(scanWorkingTree(dir).findings, []);
  const h = await scanHistory(dir);
  assert.equal(h.commitsScanned, 4);
  assert.deepEqual(
    h.findings.map((f) => `${f.commit}:${f.file}:${f.line}:${f.rule}`).sort(),
    [
      `${leak}:app.ts:3:okx-secret-key`,
      `${leak}:old.env:1:okx-passphrase`,
      `${side}:side.ts:1:okx-api-key`,
    ].sort(),
  );
  assert.match(formatFinding(h.findings[0]!), /^[0-9a-f]{12} /);
  assert.ok(!JSON.stringify(h.findings).includes(SECRET));
});

test('staged scan sees only what a commit would add', async (t) => {
  const dir = tempRepo(t);
  put(dir, 'a.ts', 'export const a = 1;\n');
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-q', '-m', 'a');
  put(dir, 'a.ts', `export const a = 1;\nconst secretKey = '${SECRET}';\n`);
  assert.deepEqual((await scanStaged(dir)).findings, []);
  gitIn(dir, 'add', 'a.ts');
  assert.deepEqual(brief((await scanStaged(dir)).findings), ['a.ts:2:okx-secret-key']);
});

test('allowlist: fingerprints and path globs silence reviewed findings', (t) => {
  const dir = tempRepo(t);
  populate(dir);
  gitIn(dir, 'add', '-A');
  put(
    dir,
    '.okxkitscanignore',
    [
      `# reviewed`,
      `fingerprint:${fingerprint(SECRET)}  # shared test value`,
      `deploy/**`,
      `path:*.yml`,
      '',
    ].join('\n'),
  );
  const list = loadAllowlist(join(dir, '.okxkitscanignore'));
  const r = scanWorkingTree(dir, { allowlist: list });
  assert.deepEqual(brief(r.findings), [
    '.env:1:dotenv-tracked',
    '.env:1:okx-api-key',
    '.env:3:okx-passphrase',
    'src/config.ts:2:okx-api-key',
    'src/config.ts:4:okx-passphrase',
  ]);
  assert.deepEqual(scanText(`secretKey = "${SECRET}"`, 'x.ts', parseAllowlist(fingerprint(SECRET))), []);
});

test("okxkit's own tree scans clean", () => {
  const r = scanWorkingTree(REPO_ROOT, { allowlist: loadAllowlist(join(REPO_ROOT, '.okxkitscanignore')) });
  assert.ok(r.filesScanned > 10);
  assert.deepEqual(r.findings.map(formatFinding), []);
});

test('line rules: OK-ACCESS headers, UUID near an api key word, hex near a secret word, quoted values only in code', () => {
  const rules = (line: string, file = 'x.ts') => scanText(line, file).map((f) => f.rule);
  assert.deepEqual(rules(`headers['OK-ACCESS-KEY'] = '${API_KEY}'`), ['okx-api-key']);
  assert.deepEqual(rules(`curl -H "OK-ACCESS-KEY: ${API_KEY}"`, 'run.sh'), ['okx-api-key']);
  assert.deepEqual(rules(`// the secret was ${SECRET}`), ['okx-secret-key']);
  assert.deepEqual(rules(`const h = '${SECRET}'; // build hash`), []);
  assert.deepEqual(rules(`passphrase: MyRealPass99`, 'x.ts'), []);
  assert.deepEqual(rules(`passphrase: MyRealPass99`, 'bot.yaml'), ['okx-passphrase']);
  assert.deepEqual(rules(`const secretKey = '${SECRET}'; // okxkit-scan: allow`), []);
  // A passphrase cannot mark itself fake; beside a key that does, it is a fixture.
  const phrase = ['Trade', 'Pass', '1'].join(' ');
  assert.deepEqual(rules(`const k = {\n  passphrase: '${phrase}',\n};`), ['okx-passphrase']);
  assert.deepEqual(rules(`const k = {\n  apiKey: 'fake-key-x-0001',\n  passphrase: '${phrase}',\n};`), []);
});
