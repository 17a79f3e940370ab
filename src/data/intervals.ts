/** Half-open ms intervals [from, to). */
export interface Interval {
  from: number;
  to: number;
}

/** Sorted, merged (touching intervals joined). */
export function union(xs: readonly Interval[]): Interval[] {
  const s = xs.filter((x) => x.to > x.from).sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const x of s) {
    const last = out[out.length - 1];
    if (last && x.from <= last.to) last.to = Math.max(last.to, x.to);
    else out.push({ from: x.from, to: x.to });
  }
  return out;
}

/** The parts of [from, to) not covered by `covered`, oldest first. */
export function missing(from: number, to: number, covered: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let t = from;
  for (const c of union(covered)) {
    if (c.to <= t) continue;
    if (c.from >= to) break;
    if (c.from > t) out.push({ from: t, to: Math.min(c.from, to) });
    t = Math.max(t, c.to);
    if (t >= to) break;
  }
  if (t < to) out.push({ from: t, to });
  return out;
}
