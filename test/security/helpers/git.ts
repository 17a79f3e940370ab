import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** git with a throwaway identity, so tests need no global git config. */
export function gitIn(dir: string, ...args: string[]) {
  return spawnSync(
    'git',
    [
      '-c',
      'user.name=Scan Tester',
      '-c',
      'user.email=scan@example.invalid',
      '-c',
      'init.defaultBranch=main',
      '-c',
      'commit.gpgsign=false',
      ...args,
    ],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
}

/** A fresh repository in a temp dir, removed after the test. */
export function tempRepo(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-scan-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(gitIn(dir, 'init', '-q').status, 0);
  return dir;
}
