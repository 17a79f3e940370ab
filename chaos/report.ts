// What each chaos section hands back: its counts and every violation it found (empty = passed).

export interface SectionReport {
  section: string;
  /** intents, faults seen, duplicates, lost, orphans, crashes, ... as counted by the section. */
  counts: Record<string, number>;
  /** One line per broken guarantee; the run fails when any section has one. */
  violations: string[];
  /** Extra lines printed under the counts (e.g. a stalled intent's journal history). */
  details: string[];
  seconds: number;
}

export function newReport(section: string): SectionReport {
  return { section, counts: {}, violations: [], details: [], seconds: 0 };
}

/** Runs `work` with a worker pool of `n`, items taken in order. */
export async function pool<T>(
  items: T[],
  n: number,
  work: (x: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

export function inc(r: SectionReport, key: string, by = 1): void {
  r.counts[key] = (r.counts[key] ?? 0) + by;
}
