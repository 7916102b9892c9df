import type { ProviderId } from "@/lib/providers/ids";
import type { SourceVerdict } from "@/lib/db/schema";
import { METRICS, type MetricId, type MetricSpec } from "./metrics";
import { byRank, sourceLabel, type Ranking, type SourceRef } from "./priority";

/**
 * One day's reconciled value of one metric from what every source said about it. Pure: the store
 * (store.ts) loads the inputs and writes the result.
 *
 * Sums (steps, distance, energy, floors, exercise): sources are taken best first. A source's
 * interval samples count only for the time no better source already covers (the way Apple Health
 * combines iPhone and Watch), pro rata of each sample's length. A whole-day total (a provider's
 * daily summary) cannot be split by time: the best one is used on its own, or it is left out when a
 * better source already counted samples that day. Means and last values: the best source's value.
 */

/** A measurement sample of a sum metric; `end` null means a point in time. */
export type Sample = { start: number; end: number | null; value: number };
export type SampleSource = SourceRef & { samples: Sample[] };
/** A source's whole-day value (a daily summary column, or a mean/last of its readings). */
export type DayValue = SourceRef & { value: number };

export type Reconciled = { value: number; unit: string; sources: SourceVerdict[] };

/** How long a sample without an end is taken to cover, for overlap only (never for its value). */
export const POINT_SAMPLE_MS = 60_000;

const fmt = (v: number, unit: string) => {
  const rounded = Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 10) / 10;
  return unit === "count" ? `${rounded}` : `${rounded} ${unit}`;
};

/** Sorted, non-overlapping intervals; `add` merges, `overlap` measures. */
export class IntervalSet {
  private spans: Array<[number, number]> = [];

  get size(): number {
    return this.spans.length;
  }

  /** Length of [a, b) already covered. */
  overlap(a: number, b: number): number {
    let lo = 0;
    let hi = this.spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.spans[mid][1] <= a) lo = mid + 1;
      else hi = mid;
    }
    let covered = 0;
    for (let i = lo; i < this.spans.length && this.spans[i][0] < b; i++)
      covered += Math.min(b, this.spans[i][1]) - Math.max(a, this.spans[i][0]);
    return covered;
  }

  addAll(intervals: Array<[number, number]>): void {
    const all = [...this.spans, ...intervals.filter(([a, b]) => b > a)].sort((x, y) => x[0] - y[0]);
    const merged: Array<[number, number]> = [];
    for (const [a, b] of all) {
      const last = merged[merged.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    this.spans = merged;
  }
}

const span = (s: Sample): [number, number] => [s.start, s.end !== null && s.end > s.start ? s.end : s.start + POINT_SAMPLE_MS];

export function reconcileSum(
  metric: MetricId,
  sampled: SampleSource[],
  totals: DayValue[],
  rank: Ranking,
): Reconciled | null {
  const spec: MetricSpec = METRICS[metric];
  const scale = spec.scale ?? 1;
  type Candidate = SourceRef & { total: number; samples: Sample[] | null };
  const withSamples = new Set(sampled.map((s) => s.provider));
  const candidates: Candidate[] = [
    ...sampled.map((s) => ({ ...s, total: s.samples.reduce((a, x) => a + x.value, 0) })),
    // A provider whose samples we hold: its day total is derived from them (bridges), not a second source.
    ...totals.filter((t) => !withSamples.has(t.provider)).map((t) => ({ ...t, total: t.value, samples: null })),
  ];
  if (!candidates.length) return null;
  const ordered = byRank(candidates, rank);
  const covered = new IntervalSet();
  const counted: SourceRef[] = [];
  let wholeDay: SourceRef | null = null;
  let value = 0;
  const sources: SourceVerdict[] = [];
  const verdict = (c: Candidate, part: number | null, status: SourceVerdict["status"], reason: string) =>
    sources.push({
      provider: c.provider as ProviderId,
      source: c.source,
      value: c.total * scale,
      counted: part === null ? null : part * scale,
      status,
      reason,
    });
  const better = () => counted.map(sourceLabel).join(", ");

  for (const c of ordered) {
    if (!counted.length) {
      value += c.total;
      verdict(c, c.total, "used", `Ranked first among the sources with ${spec.label.toLowerCase()} on this day.`);
      if (c.samples) covered.addAll(c.samples.map(span));
      else wholeDay = c;
      counted.push(c);
      continue;
    }
    if (wholeDay) {
      verdict(c, null, "left_out", `${sourceLabel(wholeDay)} gives the whole day's total and is ranked higher; a day total cannot be split by time.`);
      continue;
    }
    if (!c.samples) {
      verdict(c, null, "left_out", `A whole-day total overlaps the samples already counted from ${better()}.`);
      continue;
    }
    let part = 0;
    for (const s of c.samples) {
      const [a, b] = span(s);
      part += s.value * (1 - Math.min(1, covered.overlap(a, b) / (b - a)));
    }
    covered.addAll(c.samples.map(span));
    const full = c.total;
    if (part <= 1e-9 * Math.max(1, full)) {
      verdict(c, null, "left_out", `Every sample falls in time already counted from ${better()}.`);
      continue;
    }
    value += part;
    if (Math.abs(full - part) <= 1e-9 * Math.max(1, full))
      verdict(c, part, "used", `Counted in full: none of its time overlaps ${better()}.`);
    else
      verdict(c, part, "partly_used", `Counted ${fmt(part * scale, spec.unit)} of ${fmt(full * scale, spec.unit)}: only the time not already covered by ${better()}.`);
    counted.push(c);
  }
  return { value: value * scale, unit: spec.unit, sources };
}

/** Means and last values: the best-ranked source's value; the others are listed as left out. */
export function reconcileBest(metric: MetricId, values: DayValue[], rank: Ranking): Reconciled | null {
  if (!values.length) return null;
  const spec: MetricSpec = METRICS[metric];
  const scale = spec.scale ?? 1;
  const [best, ...rest] = byRank(values, rank);
  return {
    value: best.value * scale,
    unit: spec.unit,
    sources: [
      {
        provider: best.provider,
        source: best.source,
        value: best.value * scale,
        counted: best.value * scale,
        status: "used",
        reason: `Ranked first among the sources with ${spec.label.toLowerCase()} on this day${spec.kind === "last" ? " (its last reading of the day)" : spec.kind === "mean" ? " (its average of the day)" : ""}.`,
      },
      ...rest.map((r) => ({
        provider: r.provider,
        source: r.source,
        value: r.value * scale,
        counted: null,
        status: "left_out" as const,
        reason: `${sourceLabel(best)} is ranked higher for ${spec.label.toLowerCase()}.`,
      })),
    ],
  };
}
