// Runs README.md as a user would type it (TEAM conventions, "README conventions"):
//
// - A section is a level-2 heading (`## `) with everything under it up to the next one.
// - Each ```sh block is a script: each non-blank, non-comment line is one command, run in the
//   section's scratch directory with OKXKIT_HOME (and HOME) set to fresh temp dirs and no OKX
//   credentials in the environment, so everything runs on the embedded local exchange. The lines
//   of a section run in one shell, in order, so an `export` carries on to the next line. A
//   command must end by itself and exit 0.
// - `npx okxkit ...` runs this checkout's CLI: the built `dist/` when it is at least as new as
//   `src/` (CI runs `npm run build` first), else tsx on `src/`. `npm run <script>` runs the
//   checkout's package.json script.
// - A line ending in `# in another terminal` is a long-running server: it starts in the
//   background, the section waits until its `--port` accepts connections, and it is stopped when
//   the section ends. Its port number is replaced, everywhere in that section (commands and
//   files), by a free port, so sections and other processes on the machine never collide.
// - A ```json / ```yaml block directly preceded by `<!-- file: NAME -->` is written to NAME in the
//   scratch directory before the section's commands run.
// - A block preceded by `<!-- readme: not-run: <reason> -->` is not run; each of its `okxkit`
//   commands is parsed by the real CLI program with every action replaced by a no-op, so a
//   subcommand or flag that does not exist fails the test.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { buildProgram } from '../src/cli/main.js';

const ROOT = resolve('.');

export interface Block {
  lang: string;
  text: string;
  /** `<!-- file: NAME -->` before it */
  file?: string;
  /** `<!-- readme: not-run: reason -->` before it */
  notRun?: string;
  line: number;
}

export interface Section {
  title: string;
  blocks: Block[];
}

/** Splits markdown into `## ` sections and their fenced blocks with the marker comment before each. */
export function parseReadme(md: string): Section[] {
  const lines = md.split('\n');
  const sections: Section[] = [{ title: '(top)', blocks: [] }];
  let marker: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^## /.test(line)) {
      sections.push({ title: line.slice(3).trim(), blocks: [] });
      marker = undefined;
      continue;
    }
    const fence = /^```(\w*)\s*$/.exec(line);
    if (fence) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
      const block: Block = { lang: fence[1]!, text: body.join('\n'), line: start + 1 };
      const file = marker && /^<!--\s*file:\s*(\S+)\s*-->$/.exec(marker);
      const notRun = marker && /^<!--\s*readme:\s*not-run:\s*(.+?)\s*-->$/.exec(marker);
      if (file) block.file = file[1];
      if (notRun) block.notRun = notRun[1];
      sections.at(-1)!.blocks.push(block);
      marker = undefined;
      continue;
    }
    if (/^<!--.*-->$/.test(line.trim())) marker = line.trim();
    else if (line.trim() !== '') marker = undefined;
  }
  return sections;
}

/** The command lines of a sh block: blank and comment-only lines dropped. */
export function commandLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const BACKGROUND = /#\s*in another terminal\s*$/;

/** Shell words of a command line (quotes, backslashes), up to an unquoted `#` comment. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const j = line.indexOf("'", i + 1);
      cur += line.slice(i + 1, j < 0 ? line.length : j);
      has = true;
      i = j < 0 ? line.length : j;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) j++;
        cur += line[j];
      }
      has = true;
      i = j;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else if (c === '#' && !has) {
      break;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) words.push(cur);
  return words;
}

/** The okxkit argv of each command in a line (`npx okxkit ...`, `okxkit ...`, `npm run okxkit -- ...`). */
export function okxkitInvocations(line: string): string[][] {
  const out: string[][] = [];
  // split on shell operators that start a new command
  for (const part of line.split(/&&|\|\||;|\|/)) {
    const w = shellWords(part);
    while (w.length && /^[A-Z_][A-Z0-9_]*=/.test(w[0]!)) w.shift(); // VAR=value prefixes
    if (w[0] === 'npx' && w[1] === 'okxkit') out.push(w.slice(2));
    else if (w[0] === 'okxkit') out.push(w.slice(1));
    else if (w[0] === 'npm' && w[1] === 'run' && w[2] === 'okxkit') out.push(w.slice(w[3] === '--' ? 4 : 3));
    else if (w[0] === 'npm' && w[1] === 'run' && w[2] === 'demo') out.push(['demo', ...w.slice(4)]);
  }
  return out;
}

/** Parses argv with the real program, every action a no-op; throws what commander throws. */
export async function parseOnly(argv: string[]): Promise<void> {
  const program = buildProgram();
  const silence = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    if (cmd !== program) cmd.action(() => {});
    for (const sub of cmd.commands) silence(sub);
  };
  silence(program);
  await program.parseAsync(argv, { from: 'user' });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/** The CLI `npx okxkit` maps to: built dist when fresh, else tsx on src. */
function cliCommand(): string[] {
  const dist = join(ROOT, 'dist', 'cli', 'main.js');
  try {
    if (statSync(dist).mtimeMs >= newestMtime(join(ROOT, 'src')))
      return [process.execPath, join(ROOT, 'bin', 'okxkit.js')];
  } catch {
    // not built
  }
  // tsx by its resolved URL: `--import tsx` would resolve from the scratch directory
  return [process.execPath, '--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli', 'main.ts')];
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/** The bash script of a section: its runnable sh lines, each checked, servers in the background. */
function sectionScript(lines: string[], cli: string[]): string {
  const s: string[] = [
    `__OKXKIT=(${cli.map(q).join(' ')})`,
    `npx() { if [ "$1" = okxkit ]; then shift; "\${__OKXKIT[@]}" "$@"; else command npx "$@"; fi; }`,
    `npm() { if [ "$1" = run ] && [ "$2" = okxkit ]; then shift 2; [ "$1" = -- ] && shift; "\${__OKXKIT[@]}" "$@"; else (cd ${q(ROOT)} && command npm "$@"); fi; }`,
    '__bg=()',
    `__stop() { for p in "\${__bg[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait; }`,
    'trap __stop EXIT',
    `__wait_port() { for __i in $(seq 1 1200); do if (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; then return 0; fi; kill -0 "$2" 2>/dev/null || { echo "README runner: the server exited before port $1 accepted" >&2; return 1; }; sleep 0.1; done; echo "README runner: port $1 never accepted" >&2; return 1; }`,
  ];
  for (const line of lines) {
    s.push(`echo ${q(`$ ${line}`)} >&2`);
    if (BACKGROUND.test(line)) {
      const port = /--port[ =](\d+)/.exec(line);
      if (!port) throw new Error(`README: a "# in another terminal" line needs --port N: ${line}`);
      const cmd = line
        .replace(BACKGROUND, '')
        .trim()
        .replace(/^npx okxkit /, '"${__OKXKIT[@]}" ');
      s.push(`${cmd} &`, '__bg+=($!)', `__wait_port ${port[1]} $! || exit 90`);
    } else {
      s.push(
        line,
        `__rc=$?; if [ $__rc -ne 0 ]; then echo "README runner: exit $__rc from: "${q(line)} >&2; exit $__rc; fi`,
      );
    }
  }
  return s.join('\n') + '\n';
}

function runScript(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => res({ code: code ?? 1, out }));
  });
}

function cleanEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(OKX_|OKXKIT_)/.test(k)) continue;
    env[k] = v;
  }
  env.OKXKIT_HOME = join(home, '.okxkit');
  env.HOME = home;
  env.OKXKIT_LOG_LEVEL = 'warn';
  // the parent's npm cache stays usable with the scratch HOME
  env.npm_config_cache = process.env.npm_config_cache ?? join(process.env.HOME ?? home, '.npm');
  return env;
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SECTIONS = parseReadme(README);

describe('README runner: conventions', () => {
  test('markers attach to the block that follows them', () => {
    const md = [
      '## A',
      '<!-- file: cfg.json -->',
      '',
      '```json',
      '{"a":1}',
      '```',
      '<!-- readme: not-run: needs a real key -->',
      '```sh',
      'npx okxkit account balance --profile live1',
      '```',
      'text',
      '```sh',
      'npx okxkit sim --port 8080   # in another terminal',
      '```',
    ].join('\n');
    const [, a] = parseReadme(md);
    assert.equal(a!.blocks[0]!.file, 'cfg.json');
    assert.equal(a!.blocks[1]!.notRun, 'needs a real key');
    assert.equal(a!.blocks[2]!.notRun, undefined);
    assert.equal(a!.blocks[2]!.file, undefined);
  });

  test('shell words and okxkit invocations', () => {
    assert.deepEqual(shellWords(`export OKX_PASSPHRASE='Sim Pass 1!'  # c`), [
      'export',
      'OKX_PASSPHRASE=Sim Pass 1!',
    ]);
    assert.deepEqual(okxkitInvocations('OKXKIT_DEMO_SECONDS=10 npm run demo'), [['demo']]);
    assert.deepEqual(okxkitInvocations('npx okxkit watch trades BTC-USDT --json | head -3'), [
      ['watch', 'trades', 'BTC-USDT', '--json'],
    ]);
  });

  test('the parse check refuses an unknown flag and an unknown subcommand', async () => {
    await parseOnly(['order', 'list', '--inst', 'BTC-USDT']);
    await assert.rejects(parseOnly(['order', 'list', '--no-such-flag']), CommanderError);
    await assert.rejects(parseOnly(['order', 'teleport']), CommanderError);
  });
});

describe('README runs as printed', { concurrency: 2, timeout: 900_000 }, () => {
  for (const section of SECTIONS) {
    const sh = section.blocks.filter((b) => b.lang === 'sh');
    if (sh.length === 0) continue;
    const runnable = sh.filter((b) => !b.notRun).flatMap((b) => commandLines(b.text));
    const notRun = sh.filter((b) => b.notRun);

    if (notRun.length) {
      test(`${section.title}: not-run blocks parse`, async () => {
        for (const b of notRun) {
          for (const line of commandLines(b.text)) {
            for (const argv of okxkitInvocations(line)) {
              await parseOnly(argv).catch((err: unknown) => {
                throw new Error(
                  `README line ${b.line}: \`${line}\` does not parse: ${(err as Error).message}`,
                );
              });
            }
          }
        }
      });
    }
    if (runnable.length === 0) continue;

    test(`${section.title}: runs`, { timeout: 900_000 }, async () => {
      const home = mkdtempSync(join(tmpdir(), 'okxkit-readme-'));
      const dir = join(home, 'work');
      mkdirSync(dir);
      try {
        // Remap each background server's port to a free one, everywhere in the section.
        const ports = new Map<string, string>();
        for (const l of runnable) {
          const m = BACKGROUND.test(l) && /--port[ =](\d+)/.exec(l);
          if (m && !ports.has(m[1]!)) ports.set(m[1]!, String(await freePort()));
        }
        const remap = (t: string) => {
          for (const [from, to] of ports) t = t.replace(new RegExp(`\\b${from}\\b`, 'g'), to);
          return t;
        };
        for (const b of section.blocks.filter((x) => x.file)) {
          const p = join(dir, b.file!);
          mkdirSync(dirname(p), { recursive: true });
          writeFileSync(p, `${remap(b.text)}\n`);
        }
        const script = sectionScript(runnable.map(remap), cliCommand());
        const { code, out } = await runScript(script, dir, cleanEnv(home));
        assert.equal(code, 0, `README section "${section.title}" failed:\n${out}`);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  }
});
