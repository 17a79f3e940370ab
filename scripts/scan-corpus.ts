// Prints the secret scanner's recall and false-positive rate on the corpus kept as a test
// fixture (test/fixtures/scan-corpus.json). Run: npm run scan:corpus
import { loadCorpus, measureCorpus } from '../src/security/scan-corpus.js';

const r = measureCorpus(loadCorpus(new URL('../test/fixtures/scan-corpus.json', import.meta.url).pathname));
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
console.log(`corpus: ${r.cases} cases (${r.leaks} leaks, ${r.clean} clean)`);
console.log(`recall: ${r.found}/${r.leaks} = ${pct(r.recall)}`);
console.log(`false positives: ${r.falsePositives}/${r.clean} = ${pct(r.falsePositiveRate)}`);
for (const m of r.missed) console.log(`  missed #${m.id} ${m.file}: ${m.note}`);
for (const f of r.flagged)
  console.log(
    `  flagged #${f.case.id} ${f.case.file}: ${f.case.note} (${f.findings.map((x) => x.rule).join(', ')})`,
  );
