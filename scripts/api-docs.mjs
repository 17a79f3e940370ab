#!/usr/bin/env node
// Fails when a name exported from the public API (src/index.ts) has no TSDoc comment at its
// declaration. Each export is resolved through its re-exports to the declaration it names, and the
// doc comment there is read with the TypeScript compiler API. Run by `npm run lint`.
//   node scripts/api-docs.mjs          lists the undocumented names, exit 1 when there are any
//   node scripts/api-docs.mjs --count  prints "<documented> documented, <missing> missing"
import ts from 'typescript';

const countOnly = process.argv.includes('--count');
const entry = 'src/index.ts';
const program = ts.createProgram([entry], {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  resolveJsonModule: true,
  types: ['node'],
  noEmit: true,
});
const checker = program.getTypeChecker();
const sf = program.getSourceFile(entry);
if (!sf) {
  console.error(`${entry} not found: run from the repository root`);
  process.exit(2);
}
const moduleSymbol = checker.getSymbolAtLocation(sf);
const exports = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];

/** True when any declaration of the symbol carries a /** *\/ comment with text or tags. */
function documented(symbol) {
  if (symbol.getDocumentationComment(checker).some((p) => p.text.trim() !== '')) return true;
  return (symbol.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
}

const missing = [];
for (const exp of exports) {
  const target = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
  if (documented(target)) continue;
  const decl = target.declarations?.[0];
  const where = decl
    ? `${decl.getSourceFile().fileName}:${decl.getSourceFile().getLineAndCharacterOfPosition(decl.getStart()).line + 1}`
    : '?';
  missing.push(`${where}  ${exp.getName()}`);
}
missing.sort();
if (countOnly) {
  console.log(`${exports.length - missing.length} documented, ${missing.length} missing`);
} else if (missing.length) {
  console.error(
    `${missing.length} name(s) exported from ${entry} have no TSDoc comment; write one at the ` +
      'declaration (what it is, units, when to use it):',
  );
  for (const m of missing) console.error(`  ${m}`);
  process.exit(1);
}
