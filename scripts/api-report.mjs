#!/usr/bin/env node
// Checks the public API (src/index.ts) against its committed report, etc/okxkit.api.md.
//   node scripts/api-report.mjs           fails when the surface differs from the report
//   node scripts/api-report.mjs --update  rewrites the report (commit it with the change)
// Declarations are emitted to .cache/okxkit-api (outside node_modules: API Extractor treats
// anything under node_modules as another package), then API Extractor compares.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const update = process.argv.includes('--update');
const out = join('.cache', 'okxkit-api');
rmSync(out, { recursive: true, force: true });
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const emit = spawnSync(
  process.execPath,
  [
    tsc,
    '-p',
    'tsconfig.build.json',
    '--emitDeclarationOnly',
    '--declarationMap',
    'false',
    '--sourceMap',
    'false',
    '--outDir',
    join(out, 'dts'),
  ],
  { stdio: 'inherit' },
);
if (emit.status !== 0) process.exit(emit.status ?? 1);

const { Extractor, ExtractorConfig } = await import('@microsoft/api-extractor');
const config = ExtractorConfig.loadFileAndPrepare('api-extractor.json');
const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
if (result.apiReportChanged && !update) {
  console.error(
    'The public API changed (src/index.ts and what it exports). If that is intended, run ' +
      '`npm run api:update` and commit etc/okxkit.api.md with the change.',
  );
  process.exit(1);
}
if (!result.succeeded && !result.apiReportChanged) process.exit(1);
console.log(update ? 'etc/okxkit.api.md updated' : 'public API unchanged');
