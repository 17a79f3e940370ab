import { readFileSync } from 'node:fs';
import { scanText, type Finding } from './scanner.js';

/** One case of a scanner corpus: a file name, its text, and whether it holds a real-shaped leak. */
export interface CorpusCase {
  id: number;
  file: string;
  text: string;
  leak: boolean;
  note: string;
}

export interface CorpusResult {
  cases: number;
  leaks: number;
  clean: number;
  /** Leak cases with at least one finding. */
  found: number;
  /** Clean cases with any finding. */
  falsePositives: number;
  /** found / leaks. */
  recall: number;
  /** falsePositives / clean. */
  falsePositiveRate: number;
  missed: CorpusCase[];
  flagged: Array<{ case: CorpusCase; findings: Finding[] }>;
}

/**
 * Measures the scanner on a corpus (each case scanned as its own file, no allowlist): recall over
 * the leak cases and the false-positive rate over the clean ones, counted per case.
 */
export function measureCorpus(cases: CorpusCase[]): CorpusResult {
  const missed: CorpusCase[] = [];
  const flagged: CorpusResult['flagged'] = [];
  let found = 0;
  for (const c of cases) {
    const f = scanText(c.text, c.file);
    if (c.leak) {
      if (f.length) found++;
      else missed.push(c);
    } else if (f.length) flagged.push({ case: c, findings: f });
  }
  const leaks = cases.filter((c) => c.leak).length;
  const clean = cases.length - leaks;
  return {
    cases: cases.length,
    leaks,
    clean,
    found,
    falsePositives: flagged.length,
    recall: leaks ? found / leaks : 1,
    falsePositiveRate: clean ? flagged.length / clean : 0,
    missed,
    flagged,
  };
}

export function loadCorpus(path: string): CorpusCase[] {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { cases: CorpusCase[] };
  return doc.cases;
}
