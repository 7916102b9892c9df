import { formatNumber, wallClock } from "@/lib/dashboard/format";
import { BRAND, UPlotChart, type ChartSpec } from "./uplot-chart";

/**
 * Charts over time, drawn in the browser by uPlot (uplot-chart.tsx) from data the server already
 * bucketed (long ranges arrive as weeks or min/avg/max buckets, see lib/dashboard/metric.ts and
 * heart.ts). Every chart is a figure named for assistive technology (role="img" + aria-label with
 * its range and extremes) and carries its numbers as a table, rendered here on the server, so the
 * data reads without JavaScript and without seeing the canvas.
 */

/** `date` is a day (or a week's first day when `w` is 7 days); `t` (epoch ms) and `w` place a sub-day bucket such as 15 minutes of heart rate. */
export type Point = { date?: string; value: number; min?: number; max?: number; t?: number; w?: number };

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const dayStart = (d: string) => Date.parse(`${d}T00:00:00Z`);
const startOf = (p: Point) => p.t ?? dayStart(p.date!);
const widthOf = (p: Point) => p.w ?? DAY_MS;
const sec = (ms: number) => ms / 1000;

type Common = {
  from: string;
  to: string;
  /** Names the chart: "Steps", "Heart rate". */
  label: string;
  unit: string;
  digits?: number;
  height?: number;
};

type TimeChartProps = Common & {
  points: Point[];
  kind: "bar" | "line";
  zero?: boolean;
  /** Sub-day points (`t`) are read on this zone's clock; day points are days and need none. */
  zone?: string;
  /** The column heading's name for the zone, when it is not an IANA name (an activity's own offset). */
  zoneLabel?: string;
  /** Where the range starts and ends as instants, for sub-day points (default: the days from–to in UTC). */
  rangeMs?: [number, number];
};

function pointLabel(p: Point, zone: string): string {
  if (p.t != null) return wallClock(new Date(p.t), zone);
  return widthOf(p) === WEEK_MS ? `Week of ${p.date}` : p.date!;
}

/**
 * Bars need every slot of the range (uPlot sizes a bar by the gap to its neighbour, and an
 * empty day must look empty); a slot is a day, a week, or the points' own bucket width.
 */
function slotsOf(points: Point[], x0: number, x1: number): number[] {
  const w = widthOf(points[0]);
  let s = startOf(points[0]);
  while (s - w >= x0) s -= w;
  const out: number[] = [];
  for (; s < x1; s += w) out.push(s);
  return out;
}

/**
 * A line breaks where readings stop (no heart rate overnight) rather than drawing across it: at
 * a gap over three times the usual spacing, so a reading a minute in 10 s buckets stays one line.
 */
function withGaps(points: Point[]): Array<Point | null> {
  const steps = points.slice(1).map((p, i) => startOf(p) - startOf(points[i]));
  const usual = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)] ?? 0;
  const out: Array<Point | null> = [];
  points.forEach((p, i) => {
    if (i && steps[i - 1] > Math.max(widthOf(p), 3 * usual)) out.push(null);
    out.push(p);
  });
  return out;
}

function Figure({ summary, spec, children }: { summary: string; spec: ChartSpec; children: React.ReactNode }) {
  return (
    <figure className="min-w-0" data-chart={spec.kind} data-points={spec.series[0]?.values.filter((v) => v != null).length ?? 0}>
      <div role="img" aria-label={summary}>
        <UPlotChart spec={spec} />
      </div>
      {children}
    </figure>
  );
}

function DataTable({ caption, columns, rows }: { caption: string; columns: string[]; rows: Array<{ key: string | number; cells: string[] }> }) {
  return (
    <details className="mt-2 text-sm">
      <summary className="cursor-pointer text-brand-dark underline">Show the numbers as a table</summary>
      <table className="mt-2 w-full text-left text-xs tabular-nums">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr className="border-b border-slate-200">
            {columns.map((c) => (
              <th key={c} scope="col" className="px-1 py-1 font-medium">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} className="border-b border-slate-100">
              {r.cells.map((c, i) =>
                i === 0 ? (
                  <th key={i} scope="row" className="px-1 py-0.5 font-normal">
                    {c}
                  </th>
                ) : (
                  <td key={i} className="px-1 py-0.5">
                    {c}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

const Empty = () => <p className="text-sm text-slate-600">No data in this range.</p>;

/** One value per day, week or bucket: bars for totals, a line (with its min–max band when given) for readings. */
export function TimeChart({ points, from, to, label, kind, unit, digits = 0, zero = false, zone = "UTC", zoneLabel, rangeMs, height = 200 }: TimeChartProps) {
  if (!points.length) return <Empty />;
  const fmt = (v: number) => formatNumber(v, unit, digits);
  const [x0, x1] = rangeMs ?? [dayStart(from), dayStart(to) + DAY_MS];
  const band = points.some((p) => p.min != null && p.max != null && p.min !== p.max);
  let placed: Array<{ x: number; p: Point | null }>;
  if (kind === "bar") {
    const byStart = new Map(points.map((p) => [startOf(p), p]));
    const slots = slotsOf(points, x0, x1);
    const slotSet = new Set(slots);
    // Points off the slot grid (mixed widths) are drawn as they come.
    placed = points.every((p) => slotSet.has(startOf(p)))
      ? slots.map((s) => ({ x: s + widthOf(points[0]) / 2, p: byStart.get(s) ?? null }))
      : points.map((p) => ({ x: startOf(p) + widthOf(p) / 2, p }));
  } else {
    placed = withGaps(points).map((p, i, all) => (p ? { x: startOf(p) + widthOf(p) / 2, p } : { x: startOf(all[i - 1]!) + widthOf(all[i - 1]!), p: null }));
  }
  const spec: ChartSpec = {
    kind,
    x: placed.map((e) => sec(e.x)),
    series: [{ label, color: BRAND, values: placed.map((e) => e.p?.value ?? null) }],
    band: band ? { lo: placed.map((e) => e.p?.min ?? e.p?.value ?? null), hi: placed.map((e) => e.p?.max ?? e.p?.value ?? null) } : undefined,
    xRange: [sec(x0), sec(x1)],
    unit,
    digits,
    zero,
    // Day points sit at UTC midnight of their date, so their axis reads in UTC.
    zone: points[0].t != null ? zone : "UTC",
    spanGaps: points[0].t == null,
    height,
  };
  const values = points.flatMap((p) => [p.min ?? p.value, p.max ?? p.value]);
  const first = points[0];
  const last = points[points.length - 1];
  const sub = first.t != null;
  const summary = `${label}, ${from} to ${to}: ${points.length} ${sub ? "buckets" : first.w === WEEK_MS ? "weeks" : "days"}, lowest ${fmt(Math.min(...values))}, highest ${fmt(Math.max(...values))}, first ${fmt(first.value)} (${pointLabel(first, zone)}), last ${fmt(last.value)} (${pointLabel(last, zone)})`;
  return (
    <Figure summary={summary} spec={spec}>
      <DataTable
        caption={`${label}, ${from} to ${to}`}
        columns={[sub ? `Time (${zoneLabel ?? zone})` : first.w === WEEK_MS ? "Week" : "Day", band ? "Average" : label, ...(band ? ["Lowest", "Highest"] : [])]}
        rows={points.map((p) => ({ key: startOf(p), cells: [pointLabel(p, zone), fmt(p.value), ...(band ? [fmt(p.min ?? p.value), fmt(p.max ?? p.value)] : [])] }))}
      />
    </Figure>
  );
}

export type StackedBar = { date: string; parts: Array<{ key: string; value: number }> };

// Tailwind's indigo-700, sky-400, violet-400, amber-300 and slate-300: deep to awake, then "asleep".
const STACK_COLORS = ["#4338ca", "#38bdf8", "#a78bfa", "#fcd34d", "#cbd5e1"];

/** Bars of stacked parts per day (sleep stages), with a legend. */
export function StackedChart({ bars, keys, labels, from, to, label, unit, digits = 1, height = 200 }: Common & { bars: StackedBar[]; keys: string[]; labels: Record<string, string> }) {
  if (!bars.length) return <Empty />;
  const used = keys.filter((k) => bars.some((b) => b.parts.some((p) => p.key === k && p.value > 0)));
  const byDate = new Map(bars.map((b) => [b.date, new Map(b.parts.map((p) => [p.key, p.value]))]));
  const [x0, x1] = [dayStart(from), dayStart(to) + DAY_MS];
  const days: string[] = [];
  for (let t = x0; t < x1; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  const fmt = (v: number) => formatNumber(v, unit, digits);
  const spec: ChartSpec = {
    kind: "stacked",
    x: days.map((d) => sec(dayStart(d) + DAY_MS / 2)),
    series: used.map((k) => ({ label: labels[k], color: STACK_COLORS[keys.indexOf(k) % STACK_COLORS.length], values: days.map((d) => (byDate.has(d) ? (byDate.get(d)!.get(k) ?? 0) : null)) })),
    xRange: [sec(x0), sec(x1)],
    unit,
    digits,
    zero: true,
    zone: "UTC",
    spanGaps: false,
    height,
  };
  const totals = bars.map((b) => b.parts.reduce((a, p) => a + p.value, 0));
  const summary = `${label}, ${from} to ${to}: ${bars.length} nights, shortest ${fmt(Math.min(...totals))}, longest ${fmt(Math.max(...totals))}`;
  return (
    <Figure summary={summary} spec={spec}>
      <figcaption className="mt-2 flex flex-wrap gap-3 text-xs text-slate-600">
        {used.map((k) => (
          <span key={k} className="inline-flex items-center gap-1">
            <span aria-hidden="true" className="inline-block size-2.5" style={{ background: STACK_COLORS[keys.indexOf(k) % STACK_COLORS.length] }} />
            {labels[k]}
          </span>
        ))}
      </figcaption>
      <DataTable
        caption={`${label}, ${from} to ${to}`}
        columns={["Night", ...used.map((k) => labels[k]), "All stages"]}
        rows={bars.map((b, i) => ({ key: b.date, cells: [b.date, ...used.map((k) => fmt(byDate.get(b.date)!.get(k) ?? 0)), fmt(totals[i])] }))}
      />
    </Figure>
  );
}

/** A 14-day trend line without axes for an overview tile; the tile's text carries the numbers, the label the range. */
export function Sparkline({ points, from, to, label }: { points: Array<{ date: string; value: number }>; from: string; to: string; label: string }) {
  if (points.length < 2) return null;
  const spec: ChartSpec = {
    kind: "spark",
    x: points.map((p) => sec(dayStart(p.date) + DAY_MS / 2)),
    series: [{ label, color: BRAND, values: points.map((p) => p.value) }],
    xRange: [sec(dayStart(from)), sec(dayStart(to) + DAY_MS)],
    unit: "",
    digits: 0,
    zero: false,
    zone: "UTC",
    spanGaps: true,
    height: 32,
  };
  return (
    <div className="mt-2" data-chart="spark" data-points={points.length}>
      <div role="img" aria-label={`${label}, ${from} to ${to}: ${points.length} days`}>
        <UPlotChart spec={spec} />
      </div>
    </div>
  );
}
