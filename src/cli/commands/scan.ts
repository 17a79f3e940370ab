import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { processIo, println, type SecurityIo } from '../../security/io.js';
import {
  formatFinding,
  installPreCommitHook,
  loadAllowlist,
  loadAllowlistAtHead,
  loadBaseline,
  RULE_DESCRIPTIONS,
  scanHistory,
  scanStaged,
  scanWorkingTree,
  ScanError,
  type ScanReport,
} from '../../security/scanner.js';

interface ScanFlags {
  history?: boolean;
  staged?: boolean;
  json?: boolean;
  allowlist?: string;
  baseline?: string;
  installHook?: boolean;
  hookCommand?: string;
  force?: boolean;
}

/** The repository root holding `dir`, or undefined outside git. */
function gitTop(dir: string): string | undefined {
  const r = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** How this very process was started, so the hook runs the same okxkit (installed or from source). */
function currentCommand(): string[] {
  const script = process.argv[1];
  if (!script) throw new ScanError('cannot tell how okxkit was started', 'pass --hook-command "npx okxkit"');
  // A loader named bare (`--import tsx`) would be looked up from the hook's repository: pin it
  // to the one this okxkit uses.
  const args = [...process.execArgv];
  for (let i = 0; i < args.length - 1; i++) {
    if (
      /^(--import|--loader|--experimental-loader)$/.test(args[i]!) &&
      !/^(\.|\/|file:|data:)/.test(args[i + 1]!)
    ) {
      try {
        args[i + 1] = import.meta.resolve(args[i + 1]!);
      } catch {
        /* leave it as given */
      }
    }
  }
  return [process.execPath, ...args, script];
}

/** `okxkit scan`: find credentials in files, staged changes or git history (docs/REQUIREMENTS.md R26). */
export function register(program: Command, io: SecurityIo = processIo()): void {
  program
    .command('scan')
    .argument('[path]', 'file or directory to scan (default: the current directory)')
    .description(
      'find OKX keys, secrets, passphrases, private keys and other credentials; exit 1 on findings',
    )
    .option('--history', 'scan every line ever added in any commit (git log -p --all)')
    .option('--staged', 'scan what the next commit would add (used by the pre-commit hook)')
    .option(
      '--allowlist <file>',
      'reviewed false positives: fingerprints or path globs (default: .okxkitscanignore at the repository root)',
    )
    .option(
      '--baseline <file>',
      'accepted findings: the JSON of an earlier `okxkit scan --json`; only new ones fail',
    )
    .option('--json', 'machine-readable output')
    .option('--install-hook', 'write .git/hooks/pre-commit that blocks commits adding credentials')
    .option('--hook-command <cmd>', 'how the hook runs okxkit (default: the way this command was started)')
    .option('--force', 'with --install-hook: replace an existing pre-commit hook')
    .action(async (path: string | undefined, opts: ScanFlags) => {
      const target = resolve(path ?? '.');
      if (!existsSync(target))
        throw new ScanError(`nothing to scan at ${path}`, 'pass an existing file or directory');
      const dir = statSync(target).isDirectory() ? target : dirname(target);
      const top = gitTop(dir);
      if (opts.installHook) {
        if (!top)
          throw new ScanError(`${dir} is not inside a git repository`, 'run it in the repository to protect');
        const hook = installPreCommitHook(top, {
          command: opts.hookCommand ? [opts.hookCommand] : currentCommand(),
          force: opts.force === true,
          raw: opts.hookCommand !== undefined,
        });
        println(io.stdout, `installed ${hook}: commits that add credentials are now blocked`);
        return;
      }
      const allowlistPath = opts.allowlist ?? join(top ?? dir, '.okxkitscanignore');
      if (opts.allowlist && !existsSync(opts.allowlist))
        throw new ScanError(`allowlist ${opts.allowlist} not found`, 'check the path');
      // The staged scan reads the allowlist committed at HEAD: staging an allowlist edit beside a
      // secret must not let the secret through (an explicit --allowlist is the user's own call).
      let allowlist =
        opts.staged && !opts.allowlist && top ? loadAllowlistAtHead(top) : loadAllowlist(allowlistPath);
      if (opts.baseline) allowlist = loadBaseline(opts.baseline, allowlist);
      let report: ScanReport;
      if (opts.history) report = await scanHistory(top ?? dir, { allowlist });
      else if (opts.staged) report = await scanStaged(top ?? dir, { allowlist });
      else report = scanWorkingTree(target, { allowlist });

      if (opts.json) println(io.stdout, JSON.stringify(report));
      else {
        for (const f of report.findings) println(io.stdout, formatFinding(f));
        const what = opts.history
          ? `${report.commitsScanned ?? 0} commit(s)`
          : `${report.filesScanned} file(s)`;
        if (report.findings.length) {
          const rules = [...new Set(report.findings.map((f) => RULE_DESCRIPTIONS[f.rule]))].join(', ');
          println(io.stderr, `${report.findings.length} finding(s) in ${what}: ${rules}.`);
          println(
            io.stderr,
            'A real key: remove it, rotate it on OKX (okxkit keys rotate), and purge it from history. A false positive: add its fingerprint to .okxkitscanignore.',
          );
        } else println(io.stderr, `no secrets found in ${what}`);
      }
      if (report.findings.length) io.setExitCode(1);
    });
}
