#!/usr/bin/env node
// Lists the functions, methods, accessors, constructors and arrow functions whose body is longer
// than a limit (default 80 lines), longest first, as `file:line  lines  name`.
//   node scripts/long-functions.mjs                 src/, limit 80
//   node scripts/long-functions.mjs --max 60 src/ws  another limit, other folders
//   node scripts/long-functions.mjs --count         only the number
//   node scripts/long-functions.mjs --unexplained   only the unmarked ones; exit 1 when any (npm run lint)
// A long function stays only with a one-line comment saying why (docs/ARCHITECTURE.md); a line
// just above it starting with `// long:` marks it, and --unexplained lists only the unmarked ones.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
let max = 80;
let countOnly = false;
let unexplained = false;
const roots = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--max') max = Number(args[++i]);
  else if (a === '--count') countOnly = true;
  else if (a === '--unexplained') unexplained = true;
  else roots.push(a);
}
if (!Number.isInteger(max) || max < 1) {
  console.error('--max: give a whole number of lines, e.g. --max 80');
  process.exit(2);
}
if (roots.length === 0) roots.push('src');

function collect(p) {
  if (statSync(p).isDirectory()) return readdirSync(p).flatMap((n) => collect(join(p, n)));
  return /\.(ts|mts|tsx)$/.test(p) && !p.endsWith('.d.ts') ? [p] : [];
}

function nameOf(node, sf) {
  if (node.name) return node.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  // An arrow or function expression: name it after what it is assigned to or passed to.
  const p = node.parent;
  if (p && ts.isVariableDeclaration(p)) return p.name.getText(sf);
  if (p && ts.isPropertyAssignment(p)) return p.name.getText(sf);
  if (p && ts.isPropertyDeclaration(p)) return p.name.getText(sf);
  if (p && ts.isCallExpression(p))
    return `(callback of ${p.expression.getText(sf).replace(/\s+/g, ' ').slice(0, 40)})`;
  return '(anonymous)';
}

/** The comment lines right above a function (or the statement holding it) that explain its length. */
function explained(node, sf, lines) {
  let n = node;
  while (n.parent && !ts.isSourceFile(n.parent) && !ts.isClassLike(n.parent) && !ts.isBlock(n.parent))
    n = n.parent;
  const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
  for (let l = first - 1; l >= 0; l--) {
    const t = lines[l].trim();
    if (t.startsWith('// long:')) return true;
    if (!(t.startsWith('//') || t.startsWith('*') || t.startsWith('/*') || t.startsWith('@'))) return false;
  }
  return false;
}

const found = [];
for (const file of roots.flatMap(collect)) {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body && ts.isBlock(node.body)) {
      const start = sf.getLineAndCharacterOfPosition(node.body.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.body.getEnd()).line;
      const length = end - start + 1;
      if (length > max && !(unexplained && explained(node, sf, lines))) {
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        found.push({ where: `${relative('.', file)}:${line}`, length, name: nameOf(node, sf) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
found.sort((a, b) => b.length - a.length || a.where.localeCompare(b.where));
if (countOnly) console.log(found.length);
else for (const f of found) console.log(`${f.where}  ${f.length}  ${f.name}`);
if (unexplained && found.length) {
  console.error(
    `${found.length} function(s) over ${max} lines without a \`// long: <reason>\` comment above them: split them, or say why they stay long`,
  );
  process.exit(1);
}
